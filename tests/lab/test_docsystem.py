"""The document system end to end on the converged lab: agencies store and fetch documents through
the LGSP node, one agency cannot reach another's cabinet, a consumer the catalogue does not allow
is stopped at the gateway; a backup brings back a dropped database and documents; the machines
serve again after a reboot; a second converge changes nothing.

The tests of this module build on each other in file order (the document stored first is the one
restored later)."""

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from conftest import run_provcloud
from lab.conftest import Lab
from lab.gateway_calls import Consumer, node_address, tenant_addresses
from provcloud.ansible.lgsp_routes import docsystem_consumers
from provcloud.catalogue.service_machine import MachineRole
from provcloud.controller_state import state_dir
from provcloud.docsystem_client import SERVICE, AgencyClient, DocsystemState, docsystem_state, sample_pdf
from provcloud.errors import UserError

pytestmark = pytest.mark.lab

# Demo catalogue: vp-ubnd and so-tu-phap consume the docsystem service; xa-son-thuy holds gateway
# credentials (it consumes ho-tich) but is not allowed for docsystem.
AGENCY_A = "vp-ubnd"
AGENCY_B = "so-tu-phap"
NOT_ALLOWED = "xa-son-thuy"


@dataclass
class Stored:
    """The document agency A stored, for the later tests (backup, restore, reboot)."""

    content: bytes = b""
    document_id: int = 0
    file_id: int = 0
    extra: dict[str, int] = field(default_factory=dict)


STORED = Stored()


@pytest.fixture(scope="module")
def tenants(demo_lab: Lab) -> Iterator[dict[str, Consumer]]:
    with tenant_addresses(demo_lab) as found:
        yield found


@pytest.fixture(scope="module")
def docsystem(demo_lab: Lab) -> DocsystemState:
    return docsystem_state(state_dir(demo_lab.province.slug))


def service_path(lab: Lab) -> str:
    services = [service for agency in lab.province.agencies for service in agency.services if service.name == SERVICE]
    assert services, f"the catalogue publishes no `{SERVICE}` service"
    return services[0].path


def client(lab: Lab, consumer: Consumer, docsystem_token: str | None) -> AgencyClient:
    return AgencyClient(
        node=node_address(lab),
        service_path=service_path(lab),
        credentials=consumer.credentials,
        docsystem_token=docsystem_token,
        source=consumer.source,
    )


def agency_client(lab: Lab, tenants: dict[str, Consumer], docsystem: DocsystemState, slug: str) -> AgencyClient:
    return client(lab, tenants[slug], docsystem.token(slug))


def test_every_consumer_and_no_other_agency_has_its_cabinet_and_account(
    demo_lab: Lab, docsystem: DocsystemState
) -> None:
    # Issue 11, hole 3: an agency the catalogue does not make a consumer of the document system gets
    # no account and no token there.
    consumers = set(docsystem_consumers(demo_lab.province))
    assert set(docsystem.agencies) == consumers == {"vp-ubnd", "so-khcn", "so-tu-phap"}
    with pytest.raises(UserError, match="no document-system token"):
        docsystem.token(NOT_ALLOWED)
    for slug, objects in docsystem.agencies.items():
        assert set(objects) >= {"group_id", "cabinet_id", "document_type_id", "metadata_type_id", "user_id"}, slug
        assert docsystem.token(slug), f"no API token for {slug}"


def test_agency_stores_lists_and_fetches_a_document_byte_identical(
    demo_lab: Lab, tenants: dict[str, Consumer], docsystem: DocsystemState
) -> None:
    me = agency_client(demo_lab, tenants, docsystem, AGENCY_A)
    mine = docsystem.agencies[AGENCY_A]
    STORED.content = sample_pdf(f"Cong van so {uuid.uuid4()} - {AGENCY_A}")
    STORED.document_id = me.store(mine["cabinet_id"], mine["document_type_id"], "cong-van.pdf", STORED.content)

    listed = me.cabinet_documents(mine["cabinet_id"])
    assert listed.status == 200, listed.body
    assert STORED.document_id in [document["id"] for document in listed.json()["results"]]

    STORED.file_id = me.wait_for_file(STORED.document_id)
    answer, content = me.download(STORED.document_id, STORED.file_id)
    assert answer.status == 200, answer.body[:300]
    assert content == STORED.content, "the downloaded document differs from the uploaded one"


def test_another_agency_cannot_see_or_fetch_from_the_cabinet(
    demo_lab: Lab, tenants: dict[str, Consumer], docsystem: DocsystemState
) -> None:
    other = agency_client(demo_lab, tenants, docsystem, AGENCY_B)
    cabinet = docsystem.agencies[AGENCY_A]["cabinet_id"]
    listed = other.cabinet_documents(cabinet)
    assert listed.status in (403, 404), f"agency B listed A's cabinet: {listed.status} {listed.body[:200]}"
    answer, content = other.download(STORED.document_id, STORED.file_id)
    assert answer.status in (403, 404), f"agency B fetched A's document: {answer.status}"
    assert content != STORED.content
    sneaked = other.add_to_cabinet(cabinet, STORED.document_id)
    assert sneaked.status in (400, 403, 404), f"agency B changed A's cabinet: {sneaked.status}"


def test_document_system_credential_alone_is_not_enough(
    demo_lab: Lab, tenants: dict[str, Consumer], docsystem: DocsystemState
) -> None:
    """Through the gateway without the agency's document-system token: refused by the application."""
    anonymous = client(demo_lab, tenants[AGENCY_A], None)
    answer = anonymous.cabinet_documents(docsystem.agencies[AGENCY_A]["cabinet_id"])
    # The application hides what it does not show (404) or refuses (401/403); either way no listing.
    assert answer.status in (401, 403, 404), answer.status
    assert str(STORED.document_id) not in answer.body or answer.status != 200


def test_consumer_not_allowed_for_the_service_is_refused_at_the_gateway(
    demo_lab: Lab, tenants: dict[str, Consumer], docsystem: DocsystemState
) -> None:
    assert NOT_ALLOWED in tenants, f"{NOT_ALLOWED} should hold gateway credentials (it consumes another service)"
    # With a consumer's document-system token (stolen, say): the node still refuses the agency.
    outsider = client(demo_lab, tenants[NOT_ALLOWED], docsystem.token(AGENCY_A))
    answer = outsider.cabinet_documents(docsystem.agencies[AGENCY_A]["cabinet_id"])
    assert answer.status == 403, answer.body
    assert json.loads(answer.body)["code"] == 106, "the gateway, not the application, must refuse it"


def test_second_converge_of_the_document_system_changes_nothing(demo_lab: Lab) -> None:
    result = demo_lab.converge("--limit", "docsystem_app", "--tags", "docsystem")
    assert result.returncode == 0, result.stdout[-3000:]
    changed = {host: run.get("changed_tasks") for host, run in demo_lab.last_run().items() if run.get("changed_tasks")}
    assert not changed, f"a second converge changed: {changed}"


def machine(lab: Lab, role: MachineRole) -> str:
    return lab.province.machines_with_role(role)[0].name


def test_backup_then_restore_brings_a_dropped_database_and_documents_back(
    demo_lab: Lab, tenants: dict[str, Consumer], docsystem: DocsystemState
) -> None:
    backup, app, db = (
        machine(demo_lab, role) for role in (MachineRole.backup, MachineRole.docsystem_app, MachineRole.docsystem_db)
    )
    taken = demo_lab.ssh(
        backup, "sudo systemctl start provcloud-backup.service && sudo provcloud-backup-status", timeout=600
    )
    assert taken.returncode == 0, taken.stderr
    status = json.loads(taken.stdout)
    assert status["age_seconds"] < 600 and status["count"] >= 1, status
    listing = demo_lab.ssh(backup, f"sudo ls /var/backups/provcloud/docsystem/{status['newest']}")
    assert set(listing.stdout.split()) >= {"docsystem-database.age", "docsystem-documents.age", "SHA256SUMS"}
    leaked = demo_lab.ssh(
        backup, f"sudo grep -c '%PDF' /var/backups/provcloud/docsystem/{status['newest']}/*.age || true"
    )
    assert all(line.endswith(":0") for line in leaked.stdout.split()), "backups must be encrypted"

    dropped = demo_lab.ssh(
        app, "sudo systemctl stop 'docsystem-*' && sudo find /srv/docsystem/media -mindepth 1 -delete"
    )
    assert dropped.returncode == 0, dropped.stderr
    dropped = demo_lab.ssh(db, "cd / && sudo -u postgres dropdb --force docsystem")
    assert dropped.returncode == 0, dropped.stderr

    restored = run_provcloud("restore", demo_lab.province.slug, "--yes")
    assert restored.returncode == 0, restored.stdout[-4000:]
    assert "restored from the newest backup" in restored.stdout

    me = agency_client(demo_lab, tenants, docsystem, AGENCY_A)
    answer, content = me.download(STORED.document_id, STORED.file_id)
    assert answer.status == 200, answer.body[:300]
    assert content == STORED.content, "the restored document differs from the one stored before the backup"
    again = me.store(
        docsystem.agencies[AGENCY_A]["cabinet_id"],
        docsystem.agencies[AGENCY_A]["document_type_id"],
        "after-restore.pdf",
        sample_pdf("after restore"),
    )
    assert me.wait_for_file(again), "the restored system must accept new documents"


def test_app_and_database_serve_again_after_a_reboot(
    demo_lab: Lab, tenants: dict[str, Consumer], docsystem: DocsystemState
) -> None:
    for role in (MachineRole.docsystem_db, MachineRole.docsystem_app):
        demo_lab.ssh(machine(demo_lab, role), "sudo systemctl reboot", timeout=30)
    me = agency_client(demo_lab, tenants, docsystem, AGENCY_A)
    deadline = time.monotonic() + 300
    status = 0
    while time.monotonic() < deadline:
        try:
            answer, content = me.download(STORED.document_id, STORED.file_id)
            status = answer.status
            if status == 200:
                assert content == STORED.content
                return
        except OSError:
            pass
        time.sleep(3)
    pytest.fail(f"the document system did not serve again within 300 s of a reboot (last status {status})")
