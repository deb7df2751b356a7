"""The provincial PKI on the converged lab: keys stay where they were made, certificates chain to
the right CA and name what they serve."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from lab.conftest import Lab
from lab.test_common import host
from provcloud.catalogue.service_machine import MachineRole
from provcloud.controller_state import state_dir

pytestmark = pytest.mark.lab


def openssl(*args: str) -> str:
    result = subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"openssl {' '.join(args)}: {result.stderr}"
    return result.stdout


def test_every_machine_has_its_key_and_a_server_certificate_naming_it(demo_lab: Lab, tmp_path: Path) -> None:
    pki = state_dir(demo_lab.province.slug) / "pki"
    for machine in demo_lab.province.service_machines:
        remote = host(demo_lab, machine.name)
        key = remote.file("/etc/provcloud/pki/private/server.key")
        assert key.exists and (key.user, key.group, key.mode) == ("root", "ssl-cert", 0o640), machine.name
        certificate = tmp_path / f"{machine.name}.crt"
        certificate.write_text(remote.file("/etc/provcloud/pki/server.crt").content_string)
        national = machine.role is MachineRole.national_peer
        ca = pki / ("national-ca/ca.crt" if national else "ca.crt")
        assert ": OK" in openssl("verify", "-CAfile", str(ca), "-purpose", "sslserver", str(certificate))
        names = openssl("x509", "-in", str(certificate), "-noout", "-ext", "subjectAltName")
        fqdn = f"{machine.name}.{demo_lab.province.dns.domain}"
        for name in [fqdn, *machine.aliases]:
            assert f"DNS:{name}" in names, f"{machine.name}'s certificate does not name {name}: {names}"
        assert f"IP Address:{machine.ip}" in names


def test_private_keys_never_leave_their_machine(demo_lab: Lab) -> None:
    state = state_dir(demo_lab.province.slug)
    private_keys = [path for path in state.rglob("*") if path.is_file() and b"PRIVATE KEY-----" in path.read_bytes()]
    assert private_keys, "found no private key at all on the controller: the check looks in the wrong place"
    machine_keys = [path for path in private_keys if path.parent.name not in ("pki", "national-ca")]
    assert all(path.parent.parent.name == "consumers" for path in machine_keys), (
        f"private keys on the controller other than the CAs' and the consumers': {machine_keys}"
    )
    for ca_key in [state / "pki" / "ca.key"]:
        assert "ENCRYPTED" in ca_key.read_text(), "the CA key is not passphrase-protected"
        assert ca_key.stat().st_mode & 0o077 == 0


def test_consumer_certificates_are_client_certificates_of_the_provincial_ca(demo_lab: Lab) -> None:
    state = state_dir(demo_lab.province.slug)
    consumers = sorted(
        {c for agency in demo_lab.province.agencies for service in agency.services for c in service.consumers}
    )
    for slug in consumers:
        certificate = state / "consumers" / slug / "client.crt"
        assert ": OK" in openssl(
            "verify", "-CAfile", str(state / "pki" / "ca.crt"), "-purpose", "sslclient", str(certificate)
        )
        subject = openssl("x509", "-in", str(certificate), "-noout", "-subject", "-nameopt", "RFC2253")
        assert f"CN={slug}" in subject
        assert "TLS Web Client Authentication" in openssl(
            "x509", "-in", str(certificate), "-noout", "-ext", "extendedKeyUsage"
        )


def test_the_node_holds_a_certificate_of_the_national_ca(demo_lab: Lab, tmp_path: Path) -> None:
    node = demo_lab.province.machines_with_role(MachineRole.lgsp_node)[0]
    certificate = tmp_path / "national-client.crt"
    certificate.write_text(host(demo_lab, node.name).file("/etc/provcloud/pki/national-client.crt").content_string)
    national_ca = state_dir(demo_lab.province.slug) / "pki" / "national-ca" / "ca.crt"
    assert ": OK" in openssl("verify", "-CAfile", str(national_ca), "-purpose", "sslclient", str(certificate))


def served_certificate(lab: Lab, machine: str, address: str) -> str:
    """The certificate nginx presents on `address`:443, fetched from inside the machine."""
    probe = f"import ssl; print(ssl.get_server_certificate(('{address}', 443)))"
    return lab.ssh(machine, f'python3 -c "{probe}"').stdout.strip()


def serial(pem: str) -> str:
    return subprocess.run(
        ["openssl", "x509", "-noout", "-serial"], input=pem, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_a_certificate_within_the_renewal_window_is_renewed_and_served(demo_lab: Lab) -> None:
    node = demo_lab.province.machines_with_role(MachineRole.lgsp_node)[0]
    remote = host(demo_lab, node.name)
    before = serial(remote.file("/etc/provcloud/pki/server.crt").content_string)
    assert serial(served_certificate(demo_lab, node.name, str(node.ip))) == before
    slug = demo_lab.province.slug
    inventory = ROOT / "inventories" / slug
    if not inventory.is_dir():  # a development province outside provinces/
        inventory = state_dir(slug) / "inventory"
    # Every certificate (valid 365 days) is within a 400-day renewal window.
    renew = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), "playbooks/pki.yml",
         "--limit", node.name, "-e", "pki_renew_before_days=400"],
        cwd=ROOT, env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
                       "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
        capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    assert renew.returncode == 0, renew.stdout[-3000:]
    after = serial(remote.file("/etc/provcloud/pki/server.crt").content_string)
    assert after != before, "the certificate was not renewed"
    assert serial(served_certificate(demo_lab, node.name, str(node.ip))) == after, "nginx still serves the old one"
    settled = demo_lab.converge("--limit", node.name, "--tags", "pki")
    assert settled.returncode == 0, settled.stdout[-3000:]
    changed = demo_lab.last_run()[node.name]["changed_tasks"]
    assert not changed, f"a converge right after the renewal changed: {changed}"
