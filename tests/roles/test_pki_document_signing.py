"""The pki role issues an agency's document-signing certificate (issue 12) apart from its TLS ones.

The role's own tasks (ca.yml, certificates.yml) run here on localhost into a temporary folder; the
certificate is then judged by its consumer, the receiving node's verifier (provcloud.edxml.signing
over signxml): a letter signed with it verifies against the provincial CA, and the machine's TLS
server certificate from the same run cannot sign one.
"""

import dataclasses
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from axis.conftest import letter
from provcloud.edxml.certificates import TrustList
from provcloud.edxml.model import Organ
from provcloud.edxml.signing import SigningRefused, sign, verify
from roles.local_playbook import run_plays

AGENCY = Organ("000.07.00.H49", "Sở Tư pháp tỉnh Quảng Ninh")
CA_VARS = {"__pki_ca_passphrase": "{{ pki_ca_passphrase }}", "__pki_ca_common_name": "Test provincial CA"}

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the role installs keys owned by root:ssl-cert")


def converge(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    role = {"name": "pki"}
    variables: dict[str, Any] = {
        "pki_ca_dir": str(tmp_path / "ca"),
        "pki_ca_common_name": "Test provincial CA",
        "pki_organization_name": "UBND tinh Quang Ninh",
        "pki_certificate_dir": str(tmp_path / "machine"),
        "pki_server_names": ["lgsp.quangninh.example"],
        "pki_server_addresses": ["198.18.49.5"],
        "pki_dependent_certificates": [
            {
                "name": "signing-so-tu-phap",
                "common_name": AGENCY.organ_name,
                "usage": "document-signing",
                "issuer": "provincial",
                "organization_identifier": AGENCY.organ_id,
            }
        ],
    }
    tasks = [
        {"ansible.builtin.file": {"path": str(tmp_path / "machine" / "private"), "state": "directory"}},
        {
            "ansible.builtin.include_role": {**role, "tasks_from": "ca"},
            "vars": CA_VARS | {"__pki_ca_dir": "{{ pki_ca_dir }}"},
        },
        {"ansible.builtin.include_role": {**role, "tasks_from": "certificates"}},
    ]
    play = {"name": "pki", "hosts": "localhost", "connection": "local", "gather_facts": False}
    return run_plays(tmp_path / "pki.yml", [{**play, "vars": variables, "tasks": tasks}])


def issued(tmp_path: Path, name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = load_pem_private_key((tmp_path / "machine" / "private" / f"{name}.key").read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key, x509.load_pem_x509_certificate((tmp_path / "machine" / f"{name}.crt").read_bytes())


def test_an_agency_signing_certificate_signs_letters_its_receiver_verifies(tmp_path: Path) -> None:
    first = converge(tmp_path)
    assert first.returncode == 0, first.stdout[-4000:]
    trust = TrustList.from_files([tmp_path / "ca" / "ca.crt"])
    key, certificate = issued(tmp_path, "signing-so-tu-phap")
    assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    with pytest.raises(x509.ExtensionNotFound):
        certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)  # names no host

    document = dataclasses.replace(letter(), sender=AGENCY)
    verified = verify(sign(document, key, [certificate]), trust)
    assert verified.message == document and verified.signer == certificate

    server_key, server = issued(tmp_path, "server")
    with pytest.raises(SigningRefused, match="TLS certificate"):
        sign(document, server_key, [server])

    again = converge(tmp_path)
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-3000:]
    assert issued(tmp_path, "signing-so-tu-phap")[1] == certificate, "a current certificate is not issued again"
