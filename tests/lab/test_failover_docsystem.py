"""The document system's pair under a fault (issue 13, parts 3 and 5): two application machines behind
one virtual IP, their documents on one GlusterFS volume (a brick on each, an arbiter on the backup
machine). An agency's system uploads documents through the LGSP pair every half second while the
machine that holds the address reboots: the address must move within seconds, every upload the
document system acknowledged must come back byte-identical, and the machine must rejoin by itself —
its volume mounted and healed, the address left where it is, the scheduler still on one machine.
Then the backup and restore guarantees of one machine hold for the pair: a document lost from the
volume comes back, unpacked once, seen by both machines.

Same boot as the other fault tests (the redundant lab), after them in file order.
"""

import dataclasses
import hashlib
import shlex
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from conftest import run_provcloud
from lab.agency_clients import client
from lab.conftest import Lab, docsystem_of, show, take_backup
from lab.gateway_calls import Consumer, tenant_addresses
from provcloud.catalogue import MachineRole
from provcloud.docsystem_client import AgencyClient, sample_pdf
from provcloud.lab import failover as failover_parts
from provcloud.lab.request_stream import RequestStream

pytestmark = pytest.mark.lab

AGENCY = "vp-ubnd"
FAILOVER_LIMIT = 10.0
"""Seconds of failed uploads a reboot of the holder may cost (keepalived moves the address in about 3)."""
UPLOAD_INTERVAL = 0.5
UPLOAD_TIMEOUT = 5.0
"""Seconds one upload may take before it counts failed (a 1-page PDF takes well under one), as an
agency's system gives up and retries. An upload in flight on the machine that goes down can wait
for this timeout (CI once: 11.3 s of outage with a 10 s timeout); docs/high-availability.md §6."""
MEDIA = "/srv/docsystem/media"
BRICK = "/srv/glusterfs/docsystem-media"
"""The glusterfs role's brick on each member (its default for the volume's name)."""
VOLUME = "docsystem-media"
APPLICATION_UNITS = ["glusterd", "nginx", "docsystem-web", "keepalived"]
REJOIN_TIMEOUT = 300.0


@dataclasses.dataclass
class Uploads:
    """What the stream sent, and the documents the document system acknowledged (201) with their bytes."""

    agency: AgencyClient
    cabinet_id: int
    document_type_id: int
    acknowledged: dict[int, bytes] = dataclasses.field(default_factory=dict)
    _lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def send(self) -> bool:
        content = sample_pdf(f"Cong van {uuid.uuid4()} - {AGENCY}")
        document_id = self.agency.store(self.cabinet_id, self.document_type_id, "cong-van.pdf", content)
        with self._lock:
            self.acknowledged[document_id] = content
        return True

    def stream(self) -> RequestStream:
        return RequestStream(self.send, interval=UPLOAD_INTERVAL)


@pytest.fixture(scope="module")
def uploads(redundant_lab: Lab) -> Iterator[Uploads]:
    """vp-ubnd's system, through the LGSP pair's address (which carries it to the document system's)."""
    with tenant_addresses(redundant_lab) as found:
        consumer: Consumer = found[AGENCY]
        docsystem = docsystem_of(redundant_lab)
        agency = dataclasses.replace(
            client(redundant_lab, consumer, docsystem.token(AGENCY)),
            node=redundant_lab.province.virtual_ips[MachineRole.lgsp_node].ip,
            timeout=UPLOAD_TIMEOUT,
        )
        objects = docsystem.agencies[AGENCY]
        yield Uploads(agency, objects["cabinet_id"], objects["document_type_id"])


def the_holder(lab: Lab) -> str:
    return failover_parts.the_holder(lab.plan, lab.province, MachineRole.docsystem_app)


def applications(lab: Lab) -> list[str]:
    return [machine.name for machine in lab.province.machines_with_role(MachineRole.docsystem_app)]


def arbiter(lab: Lab) -> str:
    return lab.province.machines_with_role(MachineRole.backup)[0].name


def stored_file(lab: Lab, machine: str, content: bytes) -> str:
    """The path, relative to the media folder, of the one file on `machine`'s mount holding `content`."""
    digest = hashlib.sha256(content).hexdigest()
    listing = f"cd {MEDIA} && find . -type f -size {len(content)}c -exec sha256sum {{}} +"
    found = lab.ssh(machine, f"sudo sh -c {shlex.quote(listing)}")  # the folder is the account's only
    assert found.returncode == 0, found.stderr
    paths = [line.split(maxsplit=1)[1] for line in found.stdout.splitlines() if line.startswith(digest)]
    assert len(paths) == 1, f"{machine} holds {len(paths)} copies of the document in {MEDIA}: {paths}"
    return paths[0]


def running_scheduler(lab: Lab) -> list[str]:
    return [
        machine
        for machine in applications(lab)
        if lab.ssh(machine, "systemctl is-active --quiet docsystem-beat").returncode == 0
    ]


def wait_healed(lab: Lab, machine: str, timeout: float = REJOIN_TIMEOUT) -> str:
    """`gluster volume heal info` until no brick has entries left to heal; its last output."""
    deadline = time.monotonic() + timeout
    while True:
        shown = lab.ssh(machine, f"sudo gluster volume heal {VOLUME} info", timeout=60)
        counts = [
            line.split(":", 1)[1].strip() for line in shown.stdout.splitlines() if line.startswith("Number of entries")
        ]
        if shown.returncode == 0 and counts and all(count == "0" for count in counts):
            return shown.stdout
        if time.monotonic() > deadline:
            raise AssertionError(f"the volume is not healed after {timeout:.0f} s:\n{shown.stdout}{shown.stderr}")
        time.sleep(2)


def test_one_application_machine_holds_the_address_and_runs_the_scheduler(redundant_lab: Lab) -> None:
    holder = the_holder(redundant_lab)
    assert running_scheduler(redundant_lab) == [holder], "the scheduler must run on the address's holder only"


def test_a_document_stored_through_one_machine_is_on_the_other_and_the_arbiter_holds_no_bytes(
    redundant_lab: Lab, uploads: Uploads
) -> None:
    content = sample_pdf(f"Cong van {uuid.uuid4()} - shared")
    document_id = uploads.agency.store(uploads.cabinet_id, uploads.document_type_id, "cong-van.pdf", content)
    uploads.agency.wait_for_file(document_id)
    holder = the_holder(redundant_lab)
    (other,) = [machine for machine in applications(redundant_lab) if machine != holder]
    path = stored_file(redundant_lab, other, content)
    # The arbiter brick has the file's name and metadata, none of its bytes.
    on_arbiter = redundant_lab.ssh(arbiter(redundant_lab), f"sudo stat -c %s {shlex.quote(f'{BRICK}/{path}')}")
    assert on_arbiter.returncode == 0, f"the arbiter has no entry for {path}: {on_arbiter.stderr}"
    assert on_arbiter.stdout.strip() == "0", f"the arbiter holds {on_arbiter.stdout.strip()} bytes of {path}"


def test_a_reboot_of_the_holder_loses_no_acknowledged_document_and_it_rejoins(
    redundant_lab: Lab, uploads: Uploads, pytestconfig: pytest.Config
) -> None:
    lab = redundant_lab
    before = the_holder(lab)
    uploads.acknowledged.clear()

    def reboot() -> None:
        # The reboot's SSH session may be cut as the machine goes down; the stream judges the rest.
        lab.ssh(before, "sudo systemctl reboot", timeout=20)

    moved, outage = failover_parts.measure(uploads.stream(), reboot)
    outage = dataclasses.replace(outage, noun="uploads")
    show(pytestconfig, f"docsystem failover, reboot of the holder {before}: {outage}")
    assert moved and outage.seconds <= FAILOVER_LIMIT, f"reboot of {before}: {outage} (limit {FAILOVER_LIMIT} s)"
    after = the_holder(lab)
    assert after != before, f"{before} still holds the address after its reboot"

    # Back by itself (the machine's own boot: no converge), a standby that leaves the address where it is.
    assert failover_parts.wait_active(lab.plan, before, APPLICATION_UNITS, timeout=REJOIN_TIMEOUT), (
        f"{before} is not back"
    )
    mounted = lab.ssh(before, f"findmnt --noheadings --output FSTYPE,SOURCE {MEDIA}")
    assert mounted.stdout.split()[:1] == ["fuse.glusterfs"], (
        f"{before} has not mounted the volume again: {mounted.stdout}"
    )
    wait_healed(lab, after)
    time.sleep(failover_parts.SETTLE)
    assert the_holder(lab) == after, "the rebooted machine took the address back"
    assert running_scheduler(lab) == [after], "the scheduler must follow the address"

    # Every acknowledged upload is there, byte-identical, read through the pair and from the
    # rebooted machine's own mount.
    assert uploads.acknowledged, "no upload was acknowledged"
    for document_id, content in sorted(uploads.acknowledged.items()):
        file_id = uploads.agency.wait_for_file(document_id)
        answer, downloaded = uploads.agency.download(document_id, file_id)
        assert answer.status == 200 and downloaded == content, f"document {document_id}: {answer.status}"
    stored_file(lab, before, uploads.acknowledged[max(uploads.acknowledged)])
    show(pytestconfig, f"docsystem failover: {len(uploads.acknowledged)} acknowledged documents, every one identical")


RESTORE_TASK = "backup : Restore the directory as its owner (files owned by it, modes from its umask)"


def changed_tasks(run: dict[str, object]) -> list[str]:
    tasks = run.get("changed_tasks")
    return [str(task) for task in tasks] if isinstance(tasks, list) else []


@pytest.mark.xfail(
    strict=True,
    reason="open (issue 13): in CI the backup this test takes right after storing a document failed "
    "(provcloud-backup.service exited with an error; the backups of the database test, taken with no "
    "upload in progress, pass). Suspected: tar of the shared media folder while Mayan's workers still "
    "write the new document's page images ('file changed as we read it'). Strict: a fix makes it pass.",
)
def test_a_restore_puts_a_lost_document_back_once_for_both_machines(redundant_lab: Lab, uploads: Uploads) -> None:
    lab = redundant_lab
    holder = the_holder(lab)
    content = sample_pdf(f"Cong van {uuid.uuid4()} - restored")
    document_id = uploads.agency.store(uploads.cabinet_id, uploads.document_type_id, "cong-van.pdf", content)
    file_id = uploads.agency.wait_for_file(document_id)
    status = take_backup(lab)
    assert status["count"], status

    # Lost from the volume through one machine: gone for the other too.
    (other,) = [machine for machine in applications(lab) if machine != holder]
    path = stored_file(lab, other, content)
    removed = lab.ssh(other, f"sudo rm {shlex.quote(f'{MEDIA}/{path}')}")
    assert removed.returncode == 0, removed.stderr
    gone = lab.ssh(holder, f"sudo test -e {shlex.quote(f'{MEDIA}/{path}')}")
    assert gone.returncode == 1, f"{holder} still sees {path} after {other} removed it"

    restored = run_provcloud("restore", lab.province.slug, "--yes")
    assert restored.returncode == 0, restored.stdout[-4000:]
    unpacked = [host for host, run in lab.last_run().items() if RESTORE_TASK in changed_tasks(run)]
    assert unpacked == [applications(lab)[0]], f"the shared documents were unpacked on {unpacked}"

    for machine in applications(lab):
        assert stored_file(lab, machine, content) == path, machine
    answer, downloaded = uploads.agency.download(document_id, file_id)
    assert answer.status == 200 and downloaded == content, f"document {document_id}: {answer.status}"
    assert running_scheduler(lab) == [the_holder(lab)], "after the restore the scheduler runs on the holder only"
