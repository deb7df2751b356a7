"""What TLS the province's services speak (the LGSP node, the document system): one policy for
both, handed to their roles as inputs. The roles' defaults repeat it for a hand-written inventory;
tests/roles/test_tls_policy.py keeps those copies equal to this one."""

TLS_PROTOCOLS = ["TLSv1.2", "TLSv1.3"]
TLS_CIPHERS = [
    # TLS 1.2 suites with forward secrecy and authenticated encryption (AEAD) only: no CBC, whose
    # MAC-then-encrypt construction keeps giving padding oracles (Lucky13 and its successors).
    # TLS 1.3 suites are all AEAD and not set by this list.
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
]
