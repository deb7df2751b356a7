"""The replicated document database on the redundant lab province demo-ha (root only; results in
BENCHMARKS.md), measured as its fault test measures it — the document system itself committing a
row every 0.1 s through the database's one address (provcloud.lab.database_failover):

- failover: the median of 5 power cuts of the primary (every process killed, its links deleted),
  from the last committed write before the cut to the first after it, and of 5 shutdowns of it
  (`systemctl poweroff`: Patroni gives the leader key up); `provcloud lab up` starts the machine
  again between rounds and it rejoins as the synchronous standby;
- the cost of synchronous replication: one writer committing as fast as it can for 20 s with
  Patroni's `synchronous_mode` on (security level 4), then off (levels 1-3), in the same run.

Brings demo-ha up and converges it when it is not up, and takes it down again then.
"""

import os
import statistics
import sys
import time
from pathlib import Path

from provcloud.catalogue import MachineRole, Province
from provcloud.lab import database_failover as database
from provcloud.lab.bench_lab import bench_lab, provcloud
from provcloud.lab.plan import LabPlan
from provcloud.lab.request_stream import Outage

ROOT = Path(__file__).resolve().parent.parent
SLUG = "demo-ha"
ROUNDS = 5
THROUGHPUT_SECONDS = 20.0
WITHIN = 30.0
"""Seconds a failover may take before the bench gives up (plus database_failover.GRACE)."""


def main() -> None:
    if os.geteuid() != 0:
        print("bench/database_failover.py: skipped (needs root: it boots the demo-ha lab)")
        return
    with bench_lab(ROOT, SLUG) as (province, plan):
        (application,) = [machine.name for machine in province.machines_with_role(MachineRole.docsystem_app)]
        try:
            rounds = {
                fault: [lose_and_rejoin(province, plan, application, fault) for _ in range(ROUNDS)]
                for fault in database.FAULTS
            }
            rates = {synchronous: throughput(province, plan, application, synchronous) for synchronous in (True, False)}
        finally:
            database.set_synchronous(plan, province, True)  # the level's setting back
            database.drop_probe(plan, application)
    print(f"Failover of the replicated database ({ROUNDS} rounds each; a commit every 0.1 s)")
    print("| the primary's | median s | min s | max s | failed writes (median) | writes lost | rejoined (median) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for fault, results in rounds.items():
        seconds = [outage.seconds for outage, _ in results]
        failed = statistics.median(outage.failed for outage, _ in results)
        rejoin = statistics.median(took for _, took in results)
        print(
            f"| {fault} | {statistics.median(seconds):.1f} | {min(seconds):.1f} | {max(seconds):.1f} | {failed:.0f} | 0"
            f" | {rejoin:.0f} s |"
        )
    print(f"One writer committing single-row transactions for {THROUGHPUT_SECONDS:.0f} s each:")
    print("| replication | commits/s | ms per commit |")
    print("|---|---:|---:|")
    for synchronous, rate in rates.items():
        print(f"| {'synchronous' if synchronous else 'asynchronous'} | {rate:.0f} | {1000 / rate:.2f} |")
    if len(rates) == 2:
        print(f"synchronous costs {rates[False] / rates[True]:.2f}x the asynchronous commit time")


def lose_and_rejoin(province: Province, plan: LabPlan, application: str, fault: str) -> tuple[Outage, float]:
    """One `fault` of the primary under the writer; the machine started again and rejoined as the
    synchronous standby: the outage, and the seconds from `lab up` to that."""
    lost = database.lose_the_primary(plan, province, application, within=WITHIN, fault=fault)
    for failure in lost.start_failures:
        print(f"WARNING: started the writer once more.\n{failure}", file=sys.stderr)
    if not lost.moved:
        raise SystemExit(
            f"no write was committed within {WITHIN + database.GRACE:.0f} s of the {fault} of {lost.primary}"
        )
    missing = set(lost.acknowledged) - database.committed_rows(plan, application)
    if missing:
        raise SystemExit(f"{len(missing)} committed writes lost in the {fault} of {lost.primary}")
    started = time.monotonic()
    provcloud(ROOT, "lab", "up", SLUG)
    database.wait_standby(plan, province, lost.primary)
    took = time.monotonic() - started
    # Progress: a round takes about a minute, the whole bench twenty.
    print(f"{fault} of {lost.primary}: {lost.outage}; back as the standby {took:.0f} s after lab up", file=sys.stderr)
    return lost.outage, took


def throughput(province: Province, plan: LabPlan, application: str, synchronous: bool) -> float:
    """Commits a second of one writer committing as fast as it can, with synchronous_mode as given."""
    database.set_synchronous(plan, province, synchronous)
    with database.WriteStream(plan, province, application, duration=THROUGHPUT_SECONDS, interval=0.0) as writes:
        pass
    return len(writes.acknowledged) / THROUGHPUT_SECONDS


if __name__ == "__main__":
    main()
