"""Signing and verifying edXML: what verifies, and the attacks that must not."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID
from lxml import etree
from signxml.algorithms import SignatureMethod
from signxml.signer import XMLSigner

from axis.conftest import RECIPIENT, SENDER, letter
from axis.pki import NOW, Issued, agency_certificate, provincial_ca, tls_client_certificate
from provcloud.edxml.build import to_element
from provcloud.edxml.certificates import TrustList
from provcloud.edxml.errors import MessageRefused
from provcloud.edxml.model import Document, Status
from provcloud.edxml.notices import receive
from provcloud.edxml.signing import SigningRefused, sign, verify


def refusal(data: bytes, trust: TrustList, at: datetime | None = None) -> str:
    with pytest.raises(MessageRefused) as refused:
        verify(data, trust, at=at)
    return refused.value.reason


@pytest.mark.parametrize("signing", ["sender_signing", "sender_signing_rsa"])
def test_a_signed_letter_verifies_against_the_national_trust_list(
    signing: str, trust: TrustList, request: pytest.FixtureRequest
) -> None:
    issued: Issued = request.getfixturevalue(signing)
    data = sign(letter(), issued.key, [issued.certificate])
    method = SignatureMethod.ECDSA_SHA256 if signing == "sender_signing" else SignatureMethod.RSA_SHA256
    assert f'Algorithm="{method.value}"'.encode() in data
    verified = verify(data, trust)
    assert verified.message == letter()
    assert verified.signer == issued.certificate


def test_a_tampered_subject_is_a_digest_mismatch(sender_signing: Issued, trust: TrustList) -> None:
    data = sign(letter(), sender_signing.key, [sender_signing.certificate])
    tampered = data.replace("quyết toán".encode(), "tạm ứng".encode())
    assert refusal(tampered, trust) == "digest mismatch: the message was changed after it was signed"


def test_a_tampered_attachment_is_a_digest_mismatch(sender_signing: Issued, trust: TrustList) -> None:
    data = sign(letter(), sender_signing.key, [sender_signing.certificate])
    start = data.index(b"<ContentTransferEncoded>") + len(b"<ContentTransferEncoded>")
    tampered = data[:start] + (b"A" if data[start : start + 1] != b"A" else b"B") + data[start + 1 :]
    assert refusal(tampered, trust) == "digest mismatch: the message was changed after it was signed"


def test_a_signature_by_an_untrusted_ca_is_refused(trust: TrustList) -> None:
    rogue = agency_certificate(provincial_ca("Rogue"), SENDER.organ_id)
    data = sign(letter(), rogue.key, [rogue.certificate])
    reason = refusal(data, trust)
    assert "does not chain to a trusted CA" in reason and "Rogue provincial CA" in reason


def test_a_certificate_of_another_agency_cannot_sign_as_the_sender(quang_ninh_ca: Issued, trust: TrustList) -> None:
    other = agency_certificate(quang_ninh_ca, "000.09.00.H49")
    with pytest.raises(
        SigningRefused, match=re.escape("issued to 000.09.00.H49, but the message is from 000.03.00.H49")
    ):
        sign(letter(), other.key, [other.certificate])
    # Signed outside our signer, the verifier refuses it as well.
    assert "signed with the certificate of 000.09.00.H49" in refusal(_sign_raw(letter(), other), trust)


def test_an_expired_certificate_is_refused(quang_ninh_ca: Issued, trust: TrustList) -> None:
    expired = agency_certificate(
        quang_ninh_ca, SENDER.organ_id, not_before=NOW - timedelta(hours=20), not_after=NOW - timedelta(hours=1)
    )
    data = _sign_raw(letter(), expired)
    assert "expired on" in refusal(data, trust)
    # And a valid one verified at a time after its end is refused the same way.
    assert "expired on" in refusal(data, trust, at=datetime.now(UTC) + timedelta(days=3650))
    # An archived message is checked as of when it was received: then the certificate was valid.
    assert verify(data, trust, at=NOW - timedelta(hours=2)).message == letter()


def test_the_signer_refuses_a_tls_client_certificate(quang_ninh_ca: Issued) -> None:
    tls = tls_client_certificate(quang_ninh_ca, SENDER.organ_id)
    with pytest.raises(SigningRefused, match=r"is a TLS certificate .*clientAuth"):
        sign(letter(), tls.key, [tls.certificate])


def test_a_message_signed_with_a_tls_client_certificate_is_refused(quang_ninh_ca: Issued, trust: TrustList) -> None:
    tls = tls_client_certificate(quang_ninh_ca, SENDER.organ_id)
    assert "is a TLS certificate" in refusal(_sign_raw(letter(), tls), trust)


def test_a_combined_signing_and_tls_certificate_is_refused(quang_ninh_ca: Issued) -> None:
    from provcloud.edxml.certificates import DOCUMENT_SIGNING

    both = agency_certificate(
        quang_ninh_ca, SENDER.organ_id, purposes=(DOCUMENT_SIGNING, ExtendedKeyUsageOID.CLIENT_AUTH)
    )
    with pytest.raises(SigningRefused, match="TLS certificate"):
        sign(letter(), both.key, [both.certificate])


def test_a_key_that_is_not_the_certificates_cannot_sign(sender_signing: Issued, sender_signing_rsa: Issued) -> None:
    with pytest.raises(SigningRefused, match="does not belong to certificate"):
        sign(letter(), sender_signing_rsa.key, [sender_signing.certificate])


def test_signature_wrapping_a_second_unsigned_envelope_is_refused(sender_signing: Issued, trust: TrustList) -> None:
    data = sign(letter(), sender_signing.key, [sender_signing.certificate])
    root = etree.fromstring(data)
    forged = to_element(letter(subject="Chuyển ngay 5 tỷ đồng vào tài khoản sau"))
    # The attacker puts a forged envelope first, where a naive reader looks, and keeps the signed one after it.
    root.insert(0, forged[0])
    reason = refusal(etree.tostring(root), trust)
    assert "does not match the edXML schema" in reason or "digest mismatch" in reason


def test_signature_wrapping_the_signed_message_inside_a_forged_one_is_refused(
    sender_signing: Issued, trust: TrustList
) -> None:
    signed = etree.fromstring(sign(letter(), sender_signing.key, [sender_signing.certificate]))
    forged = to_element(letter(subject="Giả mạo"))
    # The original signed edXML is hidden inside the forged message's header; the signature moved with it.
    header, signature = (
        forged.find(".//{*}edXMLHeader"),
        signed.find(".//{http://www.w3.org/2000/09/xmldsig#}Signature"),
    )
    assert header is not None and signature is not None
    header.append(signature)
    assert refusal(etree.tostring(forged), trust) == "digest mismatch: the message was changed after it was signed"


def test_an_unsigned_message_is_refused(trust: TrustList) -> None:
    assert refusal(etree.tostring(to_element(letter())), trust) == "the message is not signed"


def test_a_refused_message_is_answered_rejected_with_the_reason(sender_signing: Issued, trust: TrustList) -> None:
    data = sign(letter(), sender_signing.key, [sender_signing.certificate]).replace(
        "quyết toán".encode(), "tạm ứng".encode()
    )
    receipt = receive(data, trust, RECIPIENT, at=datetime(2026, 12, 3, 10, 0, 0))
    assert receipt.verified is None
    assert receipt.notice is not None
    assert receipt.notice.status is Status.REJECTED
    assert receipt.notice.description == "digest mismatch: the message was changed after it was signed"
    assert receipt.notice.response_for.document_id == letter().document_id
    assert receipt.notice.sender == RECIPIENT


def test_a_good_message_is_answered_inbox(sender_signing: Issued, trust: TrustList) -> None:
    data = sign(letter(), sender_signing.key, [sender_signing.certificate])
    receipt = receive(data, trust, RECIPIENT, at=datetime(2026, 12, 3, 10, 0, 0))
    assert receipt.verified is not None and receipt.verified.message == letter()
    assert receipt.notice is not None and receipt.notice.status is Status.INBOX


def test_status_notices_are_signed_and_verified_too(hcmc_ca: Issued, trust: TrustList, sender_signing: Issued) -> None:
    receiver = agency_certificate(hcmc_ca, RECIPIENT.organ_id, kind="rsa")
    receipt = receive(sign(letter(), sender_signing.key, [sender_signing.certificate]), trust, RECIPIENT)
    assert receipt.notice is not None
    data = sign(receipt.notice, receiver.key, [receiver.certificate])
    assert verify(data, trust).message == receipt.notice


def _sign_raw(document: Document, issued: Issued) -> bytes:
    """Sign without provcloud's checks, as an attacker (or a careless system) could."""
    root = to_element(document)
    header = root.find(".//{*}edXMLHeader")
    assert header is not None
    etree.SubElement(header, "{http://www.w3.org/2000/09/xmldsig#}Signature", Id="placeholder")
    signed = XMLSigner(
        signature_algorithm=SignatureMethod.ECDSA_SHA256, c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"
    ).sign(root, key=issued.key, cert=[issued.certificate])
    return etree.tostring(signed)
