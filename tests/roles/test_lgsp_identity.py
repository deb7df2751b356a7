"""Who the LGSP node takes a client certificate for (issue 11, hole 2), decided by the node's own
njs code run by Debian's njs, on subjects as OpenSSL prints them — the RFC 2253 form nginx puts in
$ssl_client_s_dn. A CN= hidden inside another attribute, a second CN, a multi-valued RDN: nobody."""

import datetime
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import ROOT

NJS = ROOT / "roles" / "lgsp_node" / "files" / "etc" / "nginx" / "njs" / "lgsp.js"
CONSUMERS = {"vp-ubnd": {"org_code": "000.00.31.H99", "sources": ["198.18.4.11/32"]}}
pytestmark = pytest.mark.skipif(
    not (shutil.which("njs") and shutil.which("openssl")),
    reason="needs Debian's njs and openssl (make test installs them: scripts/system-packages.txt)",
)


def rdn(oid: x509.ObjectIdentifier, value: str) -> x509.RelativeDistinguishedName:
    return x509.RelativeDistinguishedName([x509.NameAttribute(oid, value)])


def printed_subject(tmp_path: Path, name: x509.Name) -> str:
    """The subject of a certificate with `name`, as OpenSSL prints it for nginx."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = tmp_path / "client.crt"
    pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    printed = subprocess.run(
        ["openssl", "x509", "-in", str(pem), "-noout", "-subject", "-nameopt", "RFC2253"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return printed.removeprefix("subject=")


def node_consumer(tmp_path: Path, subject: str, verified: str = "SUCCESS") -> str:
    """$lgsp_consumer for a request with this subject, from the node's lgsp.js under njs."""
    shutil.copy(NJS, tmp_path / "lgsp.js")
    (tmp_path / "lgsp_policy.js").write_text(
        "export default " + json.dumps({"consumers": CONSUMERS, "tokens": {}, "services": {}}) + ";\n"
    )
    request = {"variables": {"ssl_client_verify": verified, "ssl_client_s_dn": subject}, "headersIn": {}}
    (tmp_path / "main.js").write_text(
        f"import lgsp from 'lgsp.js';\nconsole.log(JSON.stringify(lgsp.consumer({json.dumps(request)})));\n"
    )
    result = subprocess.run(["njs", "-p", str(tmp_path), str(tmp_path / "main.js")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    answer: str = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


OWN = [
    rdn(NameOID.ORGANIZATION_NAME, "UBND Tỉnh Thử Nghiệm"),
    rdn(NameOID.ORGANIZATIONAL_UNIT_NAME, "Văn phòng UBND tỉnh"),
]
CASES = {
    "the agency's own certificate": ([*OWN, rdn(NameOID.COMMON_NAME, "vp-ubnd")], "vp-ubnd"),
    "a CN= escaped inside OU, the real CN not a consumer": (
        [rdn(NameOID.ORGANIZATIONAL_UNIT_NAME, "x,CN=vp-ubnd"), rdn(NameOID.COMMON_NAME, "MALLORY")],
        "",
    ),
    "a CN= escaped inside O, last in the printed subject": (
        [rdn(NameOID.COMMON_NAME, "Mallory"), rdn(NameOID.ORGANIZATION_NAME, "a,CN=vp-ubnd")],
        "",
    ),
    "a CN= inside OU with a plus": ([rdn(NameOID.ORGANIZATIONAL_UNIT_NAME, "x+CN=vp-ubnd")], ""),
    "two CNs, one of them the agency": (
        [rdn(NameOID.COMMON_NAME, "vp-ubnd"), rdn(NameOID.COMMON_NAME, "someone-else")],
        "",
    ),
    "a multi-valued RDN with the agency's CN": (
        [
            x509.RelativeDistinguishedName(
                [x509.NameAttribute(NameOID.COMMON_NAME, "vp-ubnd"), x509.NameAttribute(NameOID.SERIAL_NUMBER, "1")]
            )
        ],
        "",
    ),
    "no CN at all": (OWN, ""),
    "a CN that is an object property, not a consumer": ([rdn(NameOID.COMMON_NAME, "constructor")], ""),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_node_names_only_the_subject_s_one_cn(tmp_path: Path, case: str) -> None:
    rdns, expected = CASES[case]
    subject = printed_subject(tmp_path, x509.Name(rdns))
    assert node_consumer(tmp_path, subject) == expected, subject


def test_the_escaped_cn_attack_is_what_openssl_prints(tmp_path: Path) -> None:
    # The attack's premise: the hidden CN= is in the string nginx hands the node, behind a backslash.
    subject = printed_subject(
        tmp_path, x509.Name([rdn(NameOID.ORGANIZATIONAL_UNIT_NAME, "x,CN=vp-ubnd"), rdn(NameOID.COMMON_NAME, "M")])
    )
    assert "\\,CN=vp-ubnd" in subject, subject


def test_an_unverified_certificate_names_nobody(tmp_path: Path) -> None:
    assert node_consumer(tmp_path, "CN=vp-ubnd", verified="FAILED:unable to get issuer certificate") == ""
