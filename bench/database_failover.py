"""The replicated document database on the redundant lab province demo-ha (root only; results in
BENCHMARKS.md), measured as its fault test measures it — the document system itself committing a
row every 0.1 s through the database's one address (provcloud.lab.database_failover):

- failover: the median of 5 power cuts of the primary (every process killed, its links deleted),
  from the last committed write before the cut to the first after it; `provcloud lab up` starts
  the machine again between rounds and it rejoins as the standby;
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


def main() -> None:
    if os.geteuid() != 0:
        print("bench/database_failover.py: skipped (needs root: it boots the demo-ha lab)")
        return
    with bench_lab(ROOT, SLUG) as (province, plan):
        (application,) = [machine.name for machine in province.machines_with_role(MachineRole.docsystem_app)]
        try:
            rounds = [power_cut(province, plan, application) for _ in range(ROUNDS)]
            rates = {synchronous: throughput(province, plan, application, synchronous) for synchronous in (True, False)}
        finally:
            database.set_synchronous(plan, province, True)  # the level's setting back
            database.drop_probe(plan, application)
    outages = [outage for outage, _ in rounds]
    seconds = [outage.seconds for outage in outages]
    print(f"Failover of the replicated database, power cut of the primary ({ROUNDS} rounds; a commit every 0.1 s)")
    print("| median s | min s | max s | failed writes (median) | committed writes lost |")
    print("|---:|---:|---:|---:|---:|")
    failed = statistics.median(outage.failed for outage in outages)
    print(f"| {statistics.median(seconds):.1f} | {min(seconds):.1f} | {max(seconds):.1f} | {failed:.0f} | 0 |")
    rejoin = statistics.median(took for _, took in rounds)
    print(f"The cut machine back as the synchronous standby {rejoin:.0f} s after `lab up` started it (median)")
    print(f"One writer committing single-row transactions for {THROUGHPUT_SECONDS:.0f} s each:")
    print("| replication | commits/s | ms per commit |")
    print("|---|---:|---:|")
    for synchronous, rate in rates.items():
        print(f"| {'synchronous' if synchronous else 'asynchronous'} | {rate:.0f} | {1000 / rate:.2f} |")
    if len(rates) == 2:
        print(f"synchronous costs {rates[False] / rates[True]:.2f}x the asynchronous commit time")


def power_cut(province: Province, plan: LabPlan, application: str) -> tuple[Outage, float]:
    """One power cut of the primary under the writer; the machine started again and rejoined as the
    synchronous standby: the outage, and the seconds from `lab up` to that."""
    cut = database.cut_the_primary(plan, province, application, within=30)
    for failure in cut.start_failures:
        print(f"WARNING: started the writer once more.\n{failure}", file=sys.stderr)
    if not cut.moved:
        raise SystemExit(f"no write was committed within 40 s of the power cut of {cut.primary}")
    lost = set(cut.acknowledged) - database.committed_rows(plan, application)
    if lost:
        raise SystemExit(f"{len(lost)} committed writes lost in the power cut of {cut.primary}")
    started = time.monotonic()
    provcloud(ROOT, "lab", "up", SLUG)
    database.wait_standby(plan, province, cut.primary)
    return cut.outage, time.monotonic() - started


def throughput(province: Province, plan: LabPlan, application: str, synchronous: bool) -> float:
    """Commits a second of one writer committing as fast as it can, with synchronous_mode as given."""
    database.set_synchronous(plan, province, synchronous)
    with database.WriteStream(plan, province, application, duration=THROUGHPUT_SECONDS, interval=0.0) as writes:
        pass
    return len(writes.acknowledged) / THROUGHPUT_SECONDS


if __name__ == "__main__":
    main()
