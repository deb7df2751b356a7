"""An agency that keeps its key sends its own CSR; the pki role (on the controller, where the CA
lives) signs it only when it asks for a client certificate of that agency and nothing else. Run
here with the role's own tasks on localhost and CSRs made with `openssl req`, as an agency makes
them: the hostile subjects of issue 11's hole 2 must be refused before anything is signed."""

import subprocess
from pathlib import Path

import pytest

from roles.local_playbook import run_plays

AGENCY = "so-tu-phap"
AGENCY_NAME = "Sở Tư pháp"
CA_VARS = {"__pki_ca_passphrase": "{{ pki_ca_passphrase }}", "__pki_ca_common_name": "Test provincial CA"}
"""What the role's main tasks hand its ca.yml for the provincial CA."""


def role_tasks(name: str, tasks: str, variables: dict[str, str]) -> dict[str, object]:
    return {"name": name, "ansible.builtin.include_role": {"name": "pki", "tasks_from": tasks}, "vars": variables}


def run_consumers(tmp_path: Path, subject: str) -> subprocess.CompletedProcess[str]:
    ca_dir, consumer_dir = tmp_path / "ca", tmp_path / "consumers"
    folder = consumer_dir / AGENCY
    folder.mkdir(parents=True)
    key = tmp_path / "agency.key"  # stays with the agency: only the CSR reaches the controller
    subprocess.run(
        ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(key), "-out", str(folder / "client.csr"), "-subj", subject, "-utf8",
         "-addext", "extendedKeyUsage=clientAuth", "-addext", "basicConstraints=CA:FALSE"],
        check=True, capture_output=True,
    )  # fmt: skip
    return run_plays(
        tmp_path / "consumers.yml",
        [
            {
                "name": "The provincial CA and the consumers' certificates",
                "hosts": "localhost",
                "connection": "local",
                "gather_facts": False,
                "vars": {
                    "pki_ca_dir": str(ca_dir),
                    "pki_ca_common_name": "Test provincial CA",
                    "pki_organization_name": "UBND tinh Test",
                    "pki_consumer_dir": str(consumer_dir),
                    "pki_consumer_agencies": {AGENCY: AGENCY_NAME},
                },
                "tasks": [
                    role_tasks("The CA", "ca", CA_VARS | {"__pki_ca_dir": str(ca_dir)}),
                    role_tasks("The consumers", "consumers", {}),
                ],
            }
        ],
    )


def test_an_agency_csr_with_its_name_and_organisation_is_signed(tmp_path: Path) -> None:
    result = run_consumers(tmp_path, f"/O=UBND tinh Test/OU={AGENCY_NAME}/CN={AGENCY}")
    assert result.returncode == 0, result.stdout[-4000:]
    certificate = tmp_path / "consumers" / AGENCY / "client.crt"
    printed = subprocess.run(
        ["openssl", "x509", "-in", str(certificate), "-noout", "-subject", "-nameopt", "RFC2253"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert f"CN={AGENCY}" in printed


@pytest.mark.parametrize(
    "subject",
    [
        pytest.param(f"/O=UBND tinh Test/OU=x\\,CN=vp-ubnd/CN={AGENCY}", id="another-CN-escaped-in-OU"),
        pytest.param(f"/O=UBND tinh Test/OU=x+CN=vp-ubnd/CN={AGENCY}", id="multi-valued-RDN"),
        pytest.param(f"/CN=vp-ubnd/CN={AGENCY}", id="two-common-names"),
        pytest.param(f"/emailAddress=a@b.example/CN={AGENCY}", id="a-field-other-than-CN-O-OU"),
        pytest.param(f"/O=UBND tinh Test/L=CN\\=vp-ubnd/CN={AGENCY}", id="dn-syntax-in-another-field"),
        pytest.param("/CN=vp-ubnd", id="another-agency"),
    ],
)
def test_a_csr_whose_subject_could_name_another_agency_is_refused(tmp_path: Path, subject: str) -> None:
    result = run_consumers(tmp_path, subject)
    assert result.returncode != 0, f"signed a CSR with subject {subject}"
    assert f"{AGENCY}/client.csr: a consumer CSR must have the subject commonName {AGENCY}" in result.stdout, (
        result.stdout[-3000:]
    )
    assert not (tmp_path / "consumers" / AGENCY / "client.crt").exists(), "nothing may be signed"
