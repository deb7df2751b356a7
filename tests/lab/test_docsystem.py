"""The document system end to end on the converged lab: agencies store and fetch documents through
the LGSP node, one agency cannot reach another's cabinet, a consumer the catalogue does not allow
is stopped at the gateway; a backup brings back a dropped database and documents; the machines
serve again after a reboot; a second converge changes nothing.

The tests of this module build on each other in file order (the document stored first is the one
restored later)."""

import base64
import hashlib
import json
import shlex
import subprocess
import time
import uuid
from dataclasses import dataclass, field

import pytest

from conftest import run_provcloud
from lab.agency_clients import agency_client, client
from lab.conftest import Lab, machine, take_backup
from lab.gateway_calls import Consumer
from provcloud.ansible.lgsp_routes import docsystem_consumers
from provcloud.catalogue.service_machine import MachineRole
from provcloud.controller_state import state_dir
from provcloud.docsystem_client import DocsystemState, sample_pdf
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


def test_each_agency_has_its_own_outbox_and_inbox_for_the_exchange(
    demo_lab: Lab, tenants: dict[str, Consumer], docsystem: DocsystemState
) -> None:
    # Issue 12: the exchange reads an agency's outbox and files into its inbox (provcloud.exchange.mayan).
    mine = docsystem.exchange_cabinets[AGENCY_A]
    assert set(mine) == {"outbox", "inbox"}, docsystem.exchange_cabinets
    me = agency_client(demo_lab, tenants, docsystem, AGENCY_A)
    other = agency_client(demo_lab, tenants, docsystem, AGENCY_B)
    for label, cabinet in mine.items():
        listed = me.cabinet_documents(cabinet)
        assert listed.status == 200, f"{AGENCY_A} cannot list its {label}: {listed.status} {listed.body[:200]}"
        refused = other.cabinet_documents(cabinet)
        assert refused.status in (403, 404), f"{AGENCY_B} listed {AGENCY_A}'s {label}: {refused.status}"
    assert set(mine.values()).isdisjoint(docsystem.exchange_cabinets[AGENCY_B].values())


def test_each_agency_lists_its_own_cabinets_and_no_others(
    demo_lab: Lab, tenants: dict[str, Consumer], docsystem: DocsystemState
) -> None:
    # The cabinets of agencies made at once once shared an MPTT tree, and Mayan's ACL on a tree's
    # root opened the whole tree (roles/docsystem/files/fix_cabinet_trees.py).
    for slug in docsystem.agencies:
        own = {docsystem.agencies[slug]["cabinet_id"], *docsystem.exchange_cabinets[slug].values()}
        listed = agency_client(demo_lab, tenants, docsystem, slug).api("GET", "cabinets/?page_size=100")
        assert listed.status == 200, f"{slug} cannot list cabinets: {listed.status} {listed.body[:200]}"
        seen = {cabinet["id"]: cabinet["full_path"] for cabinet in listed.json()["results"]}
        assert set(seen) == own, f"{slug} lists {seen}, its own are {sorted(own)}"


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


PLANTED_FILE = "/srv/docsystem/media/planted-by-root"
PLANTED_TABLE = "planted_by_superuser"
BACKUPS = "/var/backups/provcloud/docsystem"


def psql(lab: Lab, query: str) -> str:
    """`query` on the document system's database, as the superuser on its machine (one value)."""
    db = machine(lab, MachineRole.docsystem_db)
    answer = lab.ssh(db, f"cd / && sudo -u postgres psql -d docsystem -tAc {shlex.quote(query)}")
    assert answer.returncode == 0, answer.stderr
    return answer.stdout.strip()


def test_backup_then_restore_brings_a_dropped_database_and_documents_back(
    demo_lab: Lab, tenants: dict[str, Consumer], docsystem: DocsystemState
) -> None:
    backup, app, db = (
        machine(demo_lab, role) for role in (MachineRole.backup, MachineRole.docsystem_app, MachineRole.docsystem_db)
    )
    # What a restore must not bring back with the rights it was made with: a root-owned setuid file
    # among the documents, a table owned by the superuser in the application's database.
    planted = demo_lab.ssh(app, f"sudo install -o root -g root -m 4755 /bin/true {PLANTED_FILE}")
    assert planted.returncode == 0, planted.stderr
    psql(demo_lab, f"CREATE TABLE {PLANTED_TABLE} (x int)")
    assert psql(demo_lab, f"SELECT tableowner FROM pg_tables WHERE tablename = '{PLANTED_TABLE}'") == "postgres"

    status = take_backup(demo_lab)
    age, count = status["age_seconds"], status["count"]
    assert isinstance(age, int) and isinstance(count, int) and age < 600 and count >= 1, status
    folder = f"{BACKUPS}/{status['newest']}"
    listing = demo_lab.ssh(backup, f"sudo ls {folder}")
    sources = ("docsystem-database", "docsystem-documents")
    assert set(listing.stdout.split()) >= {
        "SHA256SUMS",
        *(f"{source}{suffix}" for source in sources for suffix in (".age", ".statement", ".statement.sig")),
    }, listing.stdout
    # Encrypted at the source: what the backup machine received is age ciphertext, and it has no age
    # of its own (nothing there could have encrypted it — or decrypt it).
    headers = demo_lab.ssh(backup, f"sudo sh -c 'for f in {folder}/*.age; do head -c 21 \"$f\"; echo; done'")
    assert headers.stdout.split() == ["age-encryption.org/v1"] * 2, headers.stdout
    assert demo_lab.ssh(backup, "command -v age").returncode != 0, "the backup machine needs no age"
    statement = demo_lab.ssh(backup, f"sudo cat {folder}/docsystem-database.statement").stdout
    assert statement.startswith(
        f"provcloud-backup set=docsystem id={status['newest']} source=docsystem-database sha256="
    )

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

    # Restored as the application, not with the backup's owners: every document and every table is
    # the application's, the planted ones included.
    owner = demo_lab.ssh(app, f"sudo stat -c %U {PLANTED_FILE}").stdout.strip()
    assert owner == "docsystem", f"{PLANTED_FILE} restored owned by {owner}"
    strangers = demo_lab.ssh(app, "sudo find /srv/docsystem/media ! -user docsystem").stdout.split()
    assert strangers == [], f"restored files not owned by the application: {strangers}"
    assert psql(demo_lab, f"SELECT tableowner FROM pg_tables WHERE tablename = '{PLANTED_TABLE}'") == "docsystem"
    others = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'docsystem'"
    assert psql(demo_lab, others) == "0"


def test_a_restore_refuses_a_backup_the_backup_machine_forged(
    demo_lab: Lab, tenants: dict[str, Consumer], docsystem: DocsystemState
) -> None:
    """The backup machine (compromised) presents a newer backup: its own dump, encrypted to the
    public recipient, with a statement rewritten to match and checksums recomputed. The controller
    refuses it before anything is stopped or replaced."""
    backup = machine(demo_lab, MachineRole.backup)
    newest = take_backup(demo_lab)["newest"]
    forged_id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() + 3600))
    forged = f"{BACKUPS}/{forged_id}"
    identity = state_dir(demo_lab.province.slug) / "backup" / "age-identity.txt"
    recipient = subprocess.run(["age-keygen", "-y", str(identity)], capture_output=True, text=True, check=True).stdout
    ciphertext = subprocess.run(
        ["age", "--encrypt", "--recipient", recipient.strip()], input=b"the backup machine's own dump",
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    digest = hashlib.sha256(ciphertext).hexdigest()
    forge = (
        f"cp -a {BACKUPS}/{newest} {forged} && cd {forged}"
        f" && echo {base64.b64encode(ciphertext).decode()} | base64 -d > docsystem-database.age"
        f" && echo 'provcloud-backup set=docsystem id={forged_id} source=docsystem-database sha256={digest}'"
        " > docsystem-database.statement"
        f" && sed -i 's/id={newest}/id={forged_id}/' docsystem-documents.statement"
        " && sha256sum -- *.age *.statement *.statement.sig > SHA256SUMS"
    )
    try:
        made = demo_lab.ssh(backup, f"sudo sh -c {shlex.quote(forge)}")
        assert made.returncode == 0, made.stderr
        refused = run_provcloud("restore", demo_lab.province.slug, "--yes", "--backup", forged_id)
        assert refused.returncode != 0, "a forged backup was restored"
        assert "docsystem-database: the statement is not signed by the host key of docsys-db-01" in refused.stdout, (
            refused.stdout[-3000:]
        )
        assert "docsystem-documents: the statement is not signed by the host key of docsys-app-01" in refused.stdout
    finally:
        demo_lab.ssh(backup, f"sudo rm -rf {forged}")
    me = agency_client(demo_lab, tenants, docsystem, AGENCY_A)
    answer, content = me.download(STORED.document_id, STORED.file_id)
    assert (answer.status, content) == (200, STORED.content), "a refused restore must leave the system as it was"


def test_the_backup_account_runs_nothing_but_its_commands(demo_lab: Lab) -> None:
    """With the backup machine's key, a source gives only `dump`/`seal` of its own sources."""
    backup, db = machine(demo_lab, MachineRole.backup), machine(demo_lab, MachineRole.docsystem_db)
    address = next(m.ip for m in demo_lab.province.service_machines if m.name == db)
    for command in ("dump docsystem-database 20261204T013000Z; id", "dump docsystem-documents 20261204T013000Z",
                    "seal docsystem-database ../../etc/shadow", "id"):  # fmt: skip
        tried = demo_lab.ssh(
            backup,
            "sudo -u provcloud-backup ssh -i /var/lib/provcloud-backup/.ssh/id_ed25519 -o BatchMode=yes"
            " -o UserKnownHostsFile=/var/lib/provcloud-backup/.ssh/known_hosts"
            f" provcloud-backup@{address} {shlex.quote(command)}",
        )
        assert tried.returncode != 0 and "provcloud-backup: refused" in tried.stderr, (command, tried.stderr)
        assert "uid=" not in tried.stdout


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
