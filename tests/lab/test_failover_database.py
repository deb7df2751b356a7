"""The replicated document database under a fault (issue 13, parts 2 and 5): the primary loses its
power while the document system writes to it. Patroni must promote the synchronous standby,
vip-manager must move the database's address to it, no write the document system was told was
committed may be lost, and the old primary must come back as a standby by itself.

The writes are the document system's own (its settings, driver and the database's one address,
provcloud.lab.database_failover). They share the redundant lab's boot with the LGSP pair's tests.
"""

import shlex
import time
from collections.abc import Iterator

import pytest

from conftest import run_provcloud
from lab.conftest import Lab, machine, show, take_backup
from provcloud.catalogue import MachineRole
from provcloud.lab import database_failover as database

pytestmark = pytest.mark.lab

FAILOVER_LIMIT = 20.0
"""Seconds of failed writes a power cut of the primary may cost: Patroni waits for the leader key to
expire (ttl 10 s, roles/patroni) before the standby takes it."""


ANOTHER_STORE_MEMBER_ASKED = "ERROR: Request to server https://"
"""Patroni's etcd client logs a store member that did not answer within its read timeout at ERROR and
asks the next member (seen once in CI, under the first converge of eight machines on two cores): a
slow member, not a fault of the database. Every other error still fails the test."""


@pytest.fixture(scope="module")
def application(redundant_lab: Lab) -> Iterator[str]:
    # The first of the pair's machines: the writer is the document system itself, with its settings.
    machine = redundant_lab.province.machines_with_role(MachineRole.docsystem_app)[0]
    yield machine.name
    database.drop_probe(redundant_lab.plan, machine.name)


def test_the_database_has_one_leader_and_a_synchronous_standby(redundant_lab: Lab) -> None:
    plan, province = redundant_lab.plan, redundant_lab.province
    primary = database.leader(plan, province)
    roles = {name: str(row["Role"]) for name, row in database.members(plan, province).items()}
    assert sorted(roles.values()) == ["Leader", "Sync Standby"], roles  # level 4: synchronous
    address = province.virtual_ips[MachineRole.docsystem_db].ip
    holder = redundant_lab.ssh(primary, f"ip -4 -o address show to {address}/32")
    assert f" {address}/" in holder.stdout, f"the leader {primary} does not hold {address}: {holder.stdout}"
    # Since the machines started (the lab is as old as this session): no member logged an error.
    errors = {
        member: [line for line in lines if ANOTHER_STORE_MEMBER_ASKED not in line]
        for member, lines in database.patroni_lines(plan, province, since=0, levels=("ERROR", "CRITICAL")).items()
    }
    assert not any(errors.values()), errors


def test_a_power_cut_of_the_primary_loses_no_committed_write_and_it_returns_as_standby(
    redundant_lab: Lab, application: str, pytestconfig: pytest.Config
) -> None:
    plan, province = redundant_lab.plan, redundant_lab.province
    cut = database.lose_the_primary(plan, province, application, FAILOVER_LIMIT)
    for failure in cut.start_failures:
        show(pytestconfig, f"WARNING: started the writer once more.\n{failure}")
    primary, outage = cut.primary, cut.outage
    show(pytestconfig, f"database failover, power cut of the primary {primary}: {outage}")
    assert cut.moved and outage.seconds <= FAILOVER_LIMIT, f"{outage} (limit {FAILOVER_LIMIT} s)"
    assert database.leader(plan, province) != primary

    committed = database.committed_rows(plan, application)
    lost = sorted(set(cut.acknowledged) - committed)
    assert cut.acknowledged and not lost, f"{len(lost)} committed writes lost, the first: {lost[:10]}"

    back = run_provcloud("lab", "up", province.slug)
    assert back.returncode == 0, back.stdout + back.stderr
    row = database.wait_standby(plan, province, primary)  # the synchronous one: level 4
    show(pytestconfig, f"{primary} rejoined as the {row['Role']} (timeline {row['TL']})")


def rows_on(lab: Lab, server: str) -> int:
    """The writer's rows as the database machine's own server has them (primary or standby)."""
    query = f"SELECT count(*) FROM {database.PROBE_TABLE}"
    answer = lab.ssh(server, f"cd / && sudo -u postgres psql -d docsystem -XAtc {shlex.quote(query)}")
    assert answer.returncode == 0, answer.stderr
    return int(answer.stdout)


def test_the_backup_is_the_primarys_and_a_restore_reaches_the_standby(redundant_lab: Lab, application: str) -> None:
    """After the power cut the primary may be either machine: the backup machine asks them in the
    catalogue's order, a standby refuses, and the restore (on the primary) replicates to the standby."""
    plan, province = redundant_lab.plan, redundant_lab.province
    primary = database.leader(plan, province)
    servers = [server.name for server in province.machines_with_role(MachineRole.docsystem_db)]
    (standby,) = [server for server in servers if server != primary]
    backed_up = database.committed_rows(plan, application)
    assert backed_up, "the failover test's writes should be there"

    status = take_backup(redundant_lab)
    assert status["count"], status
    journal = redundant_lab.ssh(
        machine(redundant_lab, MachineRole.backup), "sudo journalctl -u provcloud-backup.service -n 20 --no-pager"
    ).stdout
    refused = f"{plan.machine(standby).address.ip} did not serve it"
    assert (refused in journal) == (servers.index(standby) == 0), f"{standby} is the standby: {journal}"

    database.run_as_application(plan, application, f"""
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("DELETE FROM {database.PROBE_TABLE}")
""")  # fmt: skip
    assert rows_on(redundant_lab, standby) == 0, "the standby should have the deletion by replication"

    restored = run_provcloud("restore", province.slug, "--yes")
    assert restored.returncode == 0, restored.stdout[-4000:]
    assert "restored from the newest backup" in restored.stdout, restored.stdout[-2000:]
    assert database.committed_rows(plan, application) == backed_up
    deadline = time.monotonic() + 30
    while rows_on(redundant_lab, standby) != len(backed_up) and time.monotonic() < deadline:
        time.sleep(1)
    assert rows_on(redundant_lab, standby) == len(backed_up), f"{standby} did not receive the restore"
    assert database.leader(plan, province) == primary
