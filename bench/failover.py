"""Failover of the LGSP pair's virtual IP on the redundant lab province demo-ha (root only; results
in BENCHMARKS.md): the median of 5 failovers for each fault, measured as the fault tests measure
them — a steady stream of authenticated requests at the virtual IP (a new connection every 0.1 s,
1 s timeout) and the time from the last answer before the fault to the first answer after it.

Faults: the holder's nginx killed (keepalived's health check gives the address up), the holder's
link cut on the host (the other node stops hearing VRRP adverts), the holder's power cut (every
process of the machine killed; `provcloud lab up` starts it again between rounds). Brings demo-ha
up and converges it when it is not up, and takes it down again then.
"""

import os
import statistics
import sys
import time
from pathlib import Path

from provcloud.catalogue import MachineRole, Province
from provcloud.controller_state import state_dir
from provcloud.gateway import consumer_credentials
from provcloud.lab import failover
from provcloud.lab.bench_lab import bench_lab, provcloud
from provcloud.lab.machine import machine_dir, pull_plug, ssh
from provcloud.lab.plan import LabPlan
from provcloud.lab.request_stream import Outage, RequestStream
from provcloud.lab.tenant_client import source_address, tenant_address

ROOT = Path(__file__).resolve().parent.parent
SLUG = "demo-ha"
CALLER = "vp-ubnd"
ROUNDS = 5
ROLE = MachineRole.lgsp_node


def main() -> None:
    if os.geteuid() != 0:
        print("bench/failover.py: skipped (needs root: it boots the demo-ha lab)")
        return
    with bench_lab(ROOT, SLUG) as (province, plan):
        results, cutting = measure(province, plan)
    print(f"Failover of the LGSP virtual IP ({ROUNDS} rounds each; a request every 0.1 s, 1 s timeout)")
    print("| fault | median s | min s | max s | failed requests (median) |")
    print("|---|---:|---:|---:|---:|")
    for name, outages in results.items():
        seconds = [outage.seconds for outage in outages]
        failed = statistics.median(outage.failed for outage in outages)
        print(f"| {name} | {statistics.median(seconds):.1f} | {min(seconds):.1f} | {max(seconds):.1f} | {failed:.0f} |")
    if cutting:
        print(f"(a power cut's kill of every process took {statistics.median(cutting):.1f} s, median)")


def measure(province: Province, plan: LabPlan) -> tuple[dict[str, list[Outage]], list[float]]:
    """ROUNDS failovers per fault, and how long each power cut's kill took."""
    agency = province.agencies_by_slug[CALLER]
    credentials = consumer_credentials(state_dir(SLUG), CALLER)
    address, source = province.virtual_ips[ROLE].ip, source_address(agency)

    def stream() -> RequestStream:
        return failover.gateway_stream(address, "/dmdc/agencies", credentials, source)

    nodes = [plan.machine(machine.name) for machine in province.machines_with_role(ROLE)]
    cut: list[str] = []

    def kill_nginx(holder: str) -> None:
        ssh(plan, plan.machine(holder), "sudo -n systemctl kill --signal=SIGKILL nginx").check_returncode()

    def start_nginx() -> None:
        for node in nodes:
            ssh(plan, node, "sudo -n systemctl start nginx").check_returncode()

    def cut_link(holder: str) -> None:
        failover.cut_links(plan.machine(holder), cut)

    def restore_links() -> None:
        failover.restore_links(cut)

    cutting: list[float] = []
    """Seconds each power cut took to kill every process of the machine (part of its outage)."""

    def cut_power(holder: str) -> None:
        started = time.monotonic()
        pull_plug(plan.machine(holder))
        cutting.append(time.monotonic() - started)

    def power_on() -> None:
        try:
            provcloud(ROOT, "lab", "up", SLUG)
        except SystemExit:
            for node in nodes:  # why a machine did not come back, before `lab down` removes the logs
                log = machine_dir(SLUG, node.name) / "console.log"
                print(f"--- {log}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-40:]), file=sys.stderr)
            raise
        for node in nodes:
            if not failover.wait_active(plan, node.name, ["nginx", "keepalived"]):
                raise SystemExit(f"{node.name} did not come back within 120 s")

    faults = {
        "nginx killed on the holder": (kill_nginx, start_nginx),
        "the holder's link cut": (cut_link, restore_links),
        "the holder's power cut": (cut_power, power_on),
    }
    results: dict[str, list[Outage]] = {}
    try:
        with tenant_address(province, source):
            for name, (fault, repair) in faults.items():
                for _ in range(ROUNDS):
                    holder = failover.the_holder(plan, province, ROLE)
                    moved, outage = failover.measure(stream(), lambda: fault(holder))  # noqa: B023
                    repair()
                    if not moved:
                        raise SystemExit(f"{name}: the address answered nothing after the fault ({outage})")
                    results.setdefault(name, []).append(outage)
                    time.sleep(2 * failover.SETTLE)  # the repaired node passes its checks again
    finally:
        restore_links()
    return results, cutting


if __name__ == "__main__":
    main()
