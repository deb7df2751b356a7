"""One TLS policy for the province's services: the roles' defaults (for a hand-written inventory)
say what provcloud.tls_policy says, and the policy admits no CBC suite (issue 11, hole 6)."""

import subprocess

import pytest
import yaml

from conftest import ROOT
from provcloud.tls_policy import TLS_CIPHERS, TLS_PROTOCOLS


@pytest.mark.parametrize("role", ["lgsp_node", "docsystem"])
def test_the_role_defaults_are_the_project_s_policy(role: str) -> None:
    defaults = yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text(encoding="utf-8"))
    assert defaults[f"{role}_tls_ciphers"] == TLS_CIPHERS
    assert defaults[f"{role}_tls_protocols"] == TLS_PROTOCOLS


def test_openssl_expands_the_list_to_aead_suites_with_forward_secrecy_only() -> None:
    # OpenSSL's own reading of the list (what nginx hands it), not a look at the string.
    listed = subprocess.run(
        ["openssl", "ciphers", "-v", "-tls1_2", ":".join(TLS_CIPHERS)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    tls12 = [line for line in listed if line.split()[1] == "TLSv1.2"]  # 1.3's suites come with any list
    assert len(tls12) == 6, listed
    for line in tls12:
        name, _version, kx, _au, enc, mac = line.split()[:6]
        assert kx == "Kx=ECDH", line
        assert mac == "Mac=AEAD", line
        assert "CBC" not in name and "SHA1" not in enc, line
