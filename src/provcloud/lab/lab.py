"""`lab up`, `lab status`, `lab down`: bring a province's lab up idempotently and remove exactly it."""

import json
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from pathlib import Path
from typing import Protocol

from provcloud.catalogue import Province
from provcloud.catalogue.lab_peer import peer_group
from provcloud.errors import UserError
from provcloud.lab import image, machine, network, proxy
from provcloud.lab.host import OwnedProcess, check_host, run
from provcloud.lab.mirror import Mirror, host_mirror
from provcloud.lab.paths import known_hosts, lab_dir, ssh_key
from provcloud.lab.plan import DEBIAN_SUITE, LabPlan, Machine, plan_lab
from provcloud.lab.state import LabState, MachineState

CLOUD_INIT_TIMEOUT = 300
"""Seconds cloud-init may take past sshd: its config and final stages (apt, ntp, timezone)."""


class Reporter(Protocol):
    """How the lab tells the user what it does (the command shows it with rich)."""

    def done(self, what: str) -> None: ...

    def busy(self, what: str) -> AbstractContextManager[object]: ...


@dataclass
class Changes:
    """What one `up` or `down` did, in order; empty means nothing needed doing."""

    done: list[str] = field(default_factory=list)

    def add(self, what: str, report: Reporter) -> None:
        self.done.append(what)
        report.done(what)


def lab_up(province: Province, catalogue: str, report: Reporter) -> Changes:
    """Everything the plan says, created where missing; a second run changes nothing."""
    check_host()
    plan = plan_lab(province, peer_group(province, Path(catalogue)))
    mirror = host_mirror(DEBIAN_SUITE)
    folder = lab_dir(plan.slug)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o711)  # traversable by the proxy's user; the key's folder is 0700
    state = LabState.load(plan.slug) or LabState(slug=plan.slug, catalogue=catalogue)
    _check_conflicts(plan, state)
    state.save()
    try:
        return _bring_up(province, plan, mirror, state, report)
    except UserError as error:
        raise UserError(f"{error}\n(what was created so far is removed by `provcloud lab down {plan.slug}`)") from None


def _bring_up(province: Province, plan: LabPlan, mirror: Mirror, state: LabState, report: Reporter) -> Changes:
    changes = Changes()

    with report.busy("base image (debootstrap when not cached)"):
        base, built = image.ensure_base_image(mirror, report.done)
    if built:
        changes.add(f"built the base image {base}", report)

    key = ssh_key(plan.slug)
    if not key.exists():
        key.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"provcloud-lab-{plan.slug}", "-f", str(key))
        changes.add(f"generated the lab SSH key {key}", report)

    for bridge in plan.bridges:
        if not network.bridge_ready(bridge):
            network.create_bridge(bridge)
            if bridge.name not in state.bridges:
                state.bridges.append(bridge.name)
            state.save()
            changes.add(f"bridge {bridge.name} ({bridge.zone}) with the host at {bridge.gateway}", report)

    if not network.nft_table_matches(plan):
        network.load_nft_table(plan)
        state.nft_table = plan.nft_table
        state.save()
        changes.add(f"nftables table inet {plan.nft_table}: forwarding only between the lab's bridges", report)

    if state.proxy is None or not state.proxy.alive():
        with report.busy("package proxy"):
            state.proxy = proxy.start_proxy(plan.slug, plan.proxy, mirror)
        state.save()
        changes.add(
            f"package proxy (apt-cacher-ng, pid {state.proxy.pid}) on {plan.proxy.url} → {mirror.archive}", report
        )

    public_key = key.with_suffix(".pub").read_text()
    started: dict[Machine, OwnedProcess] = {}
    for entry in plan.machines:
        current = state.machines.get(entry.name)
        if current is not None and current.supervisor.alive():
            continue
        root = machine.mount_overlay(base, plan.slug, entry.name)
        if not machine.is_configured(plan.slug, entry.name):
            machine.configure(plan, province, entry, public_key)
        supervisor = machine.start(plan.slug, entry)
        state.machines[entry.name] = MachineState(supervisor=supervisor, root=str(root))
        state.save()
        started[entry] = supervisor
        changes.add(f"machine {entry.name} ({entry.address.ip} on {entry.bridge}) starting", report)
    if started:
        with report.busy(f"{len(started)} machine(s) booting to sshd"):
            late = machine.wait_for_ssh(started)
        if late:
            logs = ", ".join(str(machine.machine_dir(plan.slug, m.name) / "console.log") for m in late)
            raise UserError(f"no sshd on {', '.join(m.name for m in late)}; boot logs: {logs}")
        for entry in started:
            host_key = machine.host_key_line(plan.slug, entry)
            if host_key is None:
                raise UserError(f"machine {entry.name}: sshd answers but cloud-init wrote no host key")
            _add_known_host(plan, host_key)
        with report.busy(f"cloud-init finishing on {len(started)} machine(s)"), ThreadPoolExecutor() as pool:
            verdicts = list(pool.map(lambda entry: _cloud_init_result(plan, entry), started))
        refused = [verdict for verdict in verdicts if verdict is not None]
        if refused:
            raise UserError("cloud-init did not finish cleanly:\n" + "\n".join(refused))
        report.done(f"{len(started)} machine(s) up: configured by the plan's cloud-init, sshd answering")
    return changes


SSHD_RESTARTING = ("Connection refused", "Connection reset by peer", "Connection closed by")
"""What ssh says when the machine's sshd is being restarted under it."""


def _cloud_init_result(plan: LabPlan, entry: Machine) -> str | None:
    """None when the machine's cloud-init finished without error, else what it reported."""
    deadline = time.monotonic() + CLOUD_INIT_TIMEOUT
    while True:
        try:
            result = machine.ssh(plan, entry, "sudo -n cloud-init status --wait --long", timeout=CLOUD_INIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            return f"  {entry.name}: still running after {CLOUD_INIT_TIMEOUT} s"
        # cloud-init restarts sshd once it has written the host keys and sshd_config: a machine that
        # answered a moment ago may refuse the connection for a while (longer on a loaded host), or
        # reset one it had accepted (`kex_exchange_identification: ... Connection reset by peer`).
        restarting = result.returncode == 255 and any(sign in result.stderr for sign in SSHD_RESTARTING)
        if not restarting or time.monotonic() > deadline:
            break
        time.sleep(1)
    if result.returncode == 0:
        return None
    detail = (result.stdout + result.stderr).strip().replace("\n", "\n    ")
    log = machine.root_of(plan.slug, entry.name) / "var/log/cloud-init.log"
    return f"  {entry.name} (exit {result.returncode}; its log: {log}):\n    {detail}"


def _add_known_host(plan: LabPlan, line: str) -> None:
    path = known_hosts(plan.slug)
    name = line.split(" ", 1)[0]
    kept = [
        existing
        for existing in (path.read_text().splitlines() if path.exists() else [])
        if not existing.startswith(name + " ")
    ]
    path.write_text("\n".join([*kept, line]) + "\n")


def _check_conflicts(plan: LabPlan, state: LabState) -> None:
    """Refuse before changing anything when the host already has what this lab would create."""
    for bridge in plan.bridges:
        if network.link_exists(bridge.name) and bridge.name not in state.bridges:
            raise UserError(
                f"zone {bridge.zone}: the host already has an interface {bridge.name!r} that this lab did not create "
                "(another province's lab or another tool); give the zone another bridge name"
            )
    ours = set(state.bridges)
    for address, interface in _host_addresses().items():
        if interface in ours:
            continue
        for bridge in plan.bridges:
            if address == bridge.gateway.ip:
                raise UserError(
                    f"zone {bridge.zone}: the host already has {address} on {interface}; "
                    f"the lab needs it on {bridge.name}"
                )


def _host_addresses() -> dict[IPv4Address, str]:
    shown = json.loads(run("ip", "-j", "-4", "address", "show").stdout or "[]")
    return {IPv4Address(a["local"]): link["ifname"] for link in shown for a in link.get("addr_info", [])}


def lab_down(slug: str, report: Reporter) -> Changes:
    """Remove what the lab's state records — machines by their PIDs, the proxy, the nft table, the
    bridges, the state folder — and nothing else."""
    check_host()
    changes = Changes()
    state = LabState.load(slug)
    if state is None:
        if lab_dir(slug).exists():
            subprocess.run(["rm", "-rf", "--one-file-system", str(lab_dir(slug))], check=True)
            changes.add(f"removed the stale lab folder {lab_dir(slug)}", report)
        return changes
    # All machines shut down at once: each takes a few seconds to halt cleanly.
    with report.busy(f"{len(state.machines)} machine(s) shutting down"), ThreadPoolExecutor() as pool:
        stopping = {
            name: pool.submit(machine.stop, slug, name, current.supervisor) for name, current in state.machines.items()
        }
    for name, stopped in stopping.items():
        stopped.result()  # a failure to unmount is reported, and the machine stays in the state
        pid = state.machines.pop(name).supervisor.pid
        state.save()
        changes.add(f"machine {name} stopped (pid {pid}) and removed", report)
    if state.proxy is not None:
        state.proxy.stop(timeout=10)
        changes.add(f"package proxy stopped (pid {state.proxy.pid})", report)
        state.proxy = None
        state.save()
    if state.nft_table:
        network.delete_nft_table(state.nft_table)
        changes.add(f"nftables table inet {state.nft_table} deleted", report)
        state.nft_table = None
        state.save()
    for bridge in list(state.bridges):
        network.delete_bridge(bridge)
        state.bridges.remove(bridge)
        state.save()
        changes.add(f"bridge {bridge} deleted", report)
    # --one-file-system: never descend into a machine root that is somehow still mounted.
    subprocess.run(["rm", "-rf", "--one-file-system", str(lab_dir(slug))], check=True)
    changes.add(f"lab state {lab_dir(slug)} removed", report)
    return changes


@dataclass(frozen=True)
class MachineStatus:
    name: str
    zone: str
    address: str
    bridge: str
    pid: int | None
    running: bool
    ssh: bool


def lab_status(province: Province) -> tuple[LabState | None, list[MachineStatus], bool]:
    """The lab's state, each planned machine's status, and whether the proxy runs."""
    plan = plan_lab(province)
    try:
        state = LabState.load(plan.slug)
    except PermissionError:
        raise UserError(f"cannot read {lab_dir(plan.slug)}: run `provcloud lab status` as root") from None
    rows = []
    for entry in plan.machines:
        current = state.machines.get(entry.name) if state else None
        running = current is not None and current.supervisor.alive()
        rows.append(
            MachineStatus(
                name=entry.name,
                zone=entry.zone,
                address=str(entry.address.ip),
                bridge=entry.bridge,
                pid=current.supervisor.pid if current else None,
                running=running,
                ssh=running and machine.ssh_ready(entry),
            )
        )
    proxy_running = bool(state and state.proxy and state.proxy.alive())
    return state, rows, proxy_running
