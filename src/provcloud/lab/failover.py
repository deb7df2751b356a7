"""What the fault tests and the failover bench do to a redundant pair in the lab: which machine holds
the pair's virtual IP, the host side of a machine's link (to cut it), and one failover measured
through a steady stream of requests (provcloud.lab.request_stream)."""

import time
from collections.abc import Callable
from ipaddress import IPv4Address

from provcloud.catalogue import MachineRole, Province
from provcloud.gateway import ConsumerCredentials, call
from provcloud.lab.host import run
from provcloud.lab.machine import host_links, ssh, ssh_ready
from provcloud.lab.plan import LabPlan, Machine
from provcloud.lab.request_stream import Outage, RequestStream

SETTLE = 3.0
"""Seconds of answered requests before a fault, and after the address has moved."""


def holders(plan: LabPlan, province: Province, role: MachineRole) -> list[str]:
    """The machines of `role` that have its virtual IP on their interface now (reachable ones only)."""
    address = province.virtual_ips[role].ip
    found = []
    for machine in province.machines_with_role(role):
        entry = plan.machine(machine.name)
        if not ssh_ready(entry):
            continue
        shown = ssh(plan, entry, f"ip -4 -o address show dev {province.machine_interface(machine)}", timeout=10)
        if f" {address}/" in shown.stdout:
            found.append(machine.name)
    return found


def the_holder(plan: LabPlan, province: Province, role: MachineRole, timeout: float = 15.0) -> str:
    """The one machine holding the address; AssertionError when none or two do after `timeout`."""
    deadline = time.monotonic() + timeout
    found = holders(plan, province, role)
    while len(found) != 1 and time.monotonic() < deadline:
        time.sleep(0.5)
        found = holders(plan, province, role)
    if len(found) != 1:
        raise AssertionError(f"the virtual IP of {role.value} is held by {found or 'no machine'}")
    return found[0]


def gateway_stream(
    address: IPv4Address, path: str, credentials: ConsumerCredentials, source: IPv4Address
) -> RequestStream:
    """GETs of `path` at `address` as an agency's system (its certificate, token and source address),
    each answered with 200 or counted failed after a 1 s timeout."""

    def send() -> bool:
        answer = call(address, path, ca=credentials.ca, client=(credentials.certificate, credentials.private_key),
                      token=credentials.token, source=source, timeout=1.0)  # fmt: skip
        return answer.status == 200

    return RequestStream(send)


def wait_active(plan: LabPlan, machine: str, units: list[str], timeout: float = 120.0) -> bool:
    """Whether every one of `units` is active on the machine within `timeout` (it may be booting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = ssh(plan, plan.machine(machine), f"systemctl is-active {' '.join(units)}", timeout=10)
        if shown.stdout.split() == ["active"] * len(units):
            return True
        time.sleep(1)
    return False


def cut_links(machine: Machine, cut: list[str]) -> None:
    """Set the host side of the machine's links down (the other node stops hearing its adverts),
    each remembered in `cut` as soon as it is down, for `restore_links`."""
    for link in host_links(machine):
        run("ip", "link", "set", link, "down")
        cut.append(link)


def restore_links(cut: list[str]) -> None:
    """Set every link `cut_links` cut up again (and forget it)."""
    while cut:
        run("ip", "link", "set", cut.pop(), "up")


def measure(requests: RequestStream, fault: Callable[[], None], timeout: float = 60.0) -> tuple[bool, Outage]:
    """Run the stream, break something with `fault()`, wait until a request sent after it is answered
    (or `timeout`): (answered again, the outage an agency saw)."""
    with requests:
        time.sleep(SETTLE)
        broken = time.monotonic()
        fault()
        moved = requests.wait_answered(broken + 0.5, timeout=timeout)
        time.sleep(SETTLE)
    return moved, requests.outage(since=broken - 1)
