"""One lab machine: an overlay on the base image, configured before its first boot, booted by
systemd-nspawn under a supervisor the lab owns (by PID)."""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from provcloud.errors import UserError
from provcloud.lab import cgroup
from provcloud.lab.host import OwnedProcess, run
from provcloud.lab.paths import lab_dir
from provcloud.lab.plan import LabPlan, Machine

MANAGED = "# provcloud lab: written when the machine was created"


def machine_dir(slug: str, name: str) -> Path:
    return lab_dir(slug) / "machines" / name


def root_of(slug: str, name: str) -> Path:
    return machine_dir(slug, name) / "root"


def mount_overlay(base: Path, slug: str, name: str) -> Path:
    folder = machine_dir(slug, name)
    upper, work, root = folder / "upper", folder / "work", folder / "root"
    for path in (upper, work, root):
        path.mkdir(parents=True, exist_ok=True)
    if not os.path.ismount(root):
        run("mount", "-t", "overlay", "overlay", "-o", f"lowerdir={base},upperdir={upper},workdir={work}", str(root))
    return root


def unmount(slug: str, name: str) -> None:
    root = root_of(slug, name)
    if os.path.ismount(root):
        run("umount", str(root))


def is_configured(slug: str, name: str) -> bool:
    return (root_of(slug, name) / "etc/systemd/network/10-host0.network").exists()


def network_file(machine: Machine) -> str:
    routes = "".join(
        f"\n[Route]\nDestination={route.destination}\nGateway={route.gateway}\n" for route in machine.routes
    )
    return f"""{MANAGED}
# Static address from the catalogue; routes only to the province's own zones, no default route.
# (Named to sort before the image's 80-container-host0.network, which would use DHCP.)
[Match]
Name=host0

[Network]
Address={machine.address}
LinkLocalAddressing=no
IPv6AcceptRA=no
{routes}"""


def hosts_file(plan: LabPlan, machine: Machine) -> str:
    lines = [MANAGED, "127.0.0.1\tlocalhost"]
    lines += [f"{address}\t{' '.join(names)}" for address, names in plan.hosts]
    return "\n".join(lines) + "\n"


def resolv_conf(plan: LabPlan, servers: list[str]) -> str:
    lines = [
        MANAGED,
        "# The province's own resolvers (catalogue `dns.servers`); lab names are in /etc/hosts.",
        f"search {plan.domain}",
    ]
    lines += [f"nameserver {server}" for server in servers]
    lines.append("options timeout:1 attempts:1")
    return "\n".join(lines) + "\n"


def configure(plan: LabPlan, machine: Machine, public_key: str, dns_servers: list[str]) -> str:
    """Write the machine's identity and settings into its upper layer; returns its SSH host key line."""
    root = root_of(plan.slug, machine.name)
    (root / "etc/machine-id").write_text(uuid.uuid4().hex + "\n")
    (root / "etc/hostname").write_text(machine.name + "\n")
    (root / "etc/hosts").write_text(hosts_file(plan, machine))
    resolv = root / "etc/resolv.conf"
    resolv.unlink(missing_ok=True)
    resolv.write_text(resolv_conf(plan, dns_servers))
    (root / "etc/apt/apt.conf.d/01provcloud-proxy").write_text(
        f'{MANAGED}\nAcquire::http::Proxy "{plan.proxy.url}";\nAcquire::https::Proxy "DIRECT";\n'
        'Acquire::http::Timeout "60";\nAcquire::Retries "3";\n'
    )
    # The base image's package lists are as old as the image (it is cached across runs). Left as they
    # are, a first converge within the hour after the build skips the refresh, and a later check-mode
    # run, past the hour, wants one: mark them stale so the first converge refreshes, as on a new VM
    # (the common role's update stamp then dates that refresh).
    (root / "var/lib/apt/periodic/update-success-stamp").unlink(missing_ok=True)
    os.utime(root / "var/lib/apt/lists", (0, 0))
    home = root / "home" / plan.admin_user
    uid, gid = _ids(root, plan.admin_user)
    ssh = home / ".ssh"
    ssh.mkdir(mode=0o700, exist_ok=True)
    keys = ssh / "authorized_keys"
    keys.write_text(public_key.strip() + "\n")
    keys.chmod(0o600)
    for path in (ssh, keys):
        os.chown(path, uid, gid)
    run("ssh-keygen", "-A", "-f", str(root))
    host_key = (root / "etc/ssh/ssh_host_ed25519_key.pub").read_text().split()
    # Written last: its presence marks a machine as configured.
    network = root / "etc/systemd/network/10-host0.network"
    network.write_text(network_file(machine))
    names = ",".join([str(machine.address.ip), machine.name, machine.fqdn])
    return f"{names} {host_key[0]} {host_key[1]}"


def _ids(root: Path, user: str) -> tuple[int, int]:
    for line in (root / "etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == user:
            return int(fields[2]), int(fields[3])
    raise RuntimeError(f"the base image has no user {user}")


def nspawn_command(slug: str, machine: Machine) -> list[str]:
    return [
        "systemd-nspawn",
        "--quiet",
        "--boot",
        # The host has no systemd as PID 1: no registration with machined, no scope unit.
        "--register=no",
        "--keep-unit",
        f"--directory={root_of(slug, machine.name)}",
        f"--machine={machine.unit}",
        f"--hostname={machine.name}",
        f"--network-bridge={machine.bridge}",
        "--resolv-conf=off",
        "--timezone=off",
        "--link-journal=no",
        "--console=pipe",
    ]


def start(slug: str, machine: Machine) -> OwnedProcess:
    folder = machine_dir(slug, machine.name)
    with open(folder / "console.log", "ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "provcloud.lab.supervisor",
                f"--pidfile={folder / 'nspawn.pid'}",
                f"--cgroup={machine.unit}",
                "--",
                *nspawn_command(slug, machine),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # an interrupted `provcloud lab up` does not take the machines with it
        )
    return OwnedProcess.of(process.pid)


def nspawn_process(slug: str, name: str) -> OwnedProcess | None:
    pidfile = machine_dir(slug, name) / "nspawn.pid"
    try:
        pid, started = pidfile.read_text().split()
    except (FileNotFoundError, ValueError):
        return None
    return OwnedProcess(pid=int(pid), start_time=int(started))


def stop(slug: str, name: str, supervisor: OwnedProcess) -> None:
    """Shut the machine down (SIGTERM: nspawn halts it cleanly), unmount it, remove its cgroups and folder."""
    nspawn = nspawn_process(slug, name)
    supervisor.stop(timeout=60)
    if nspawn is not None:
        nspawn.stop(timeout=30)  # only when the supervisor had to be killed
    unmount(slug, name)
    busy = cgroup.remove(f"{slug}-{name}")
    if busy:
        raise UserError(f"machine {name}: processes still run in its cgroups {', '.join(busy)}")
    shutil.rmtree(machine_dir(slug, name), ignore_errors=True)


def ssh_ready(machine: Machine) -> bool:
    try:
        with socket.create_connection((str(machine.address.ip), 22), timeout=1) as connection:
            connection.settimeout(2)
            return connection.recv(4).startswith(b"SSH-")
    except OSError:
        return False


def wait_for_ssh(machines: dict[Machine, OwnedProcess], timeout: float = 120.0) -> list[Machine]:
    """Machines without sshd after `timeout`, or as soon as a machine's supervisor has exited."""
    waiting = list(machines)
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        if any(not machines[machine].alive() for machine in waiting):
            return [machine for machine in waiting if not machines[machine].alive()]
        waiting = [machine for machine in waiting if not ssh_ready(machine)]
        if waiting:
            time.sleep(0.5)
    return waiting
