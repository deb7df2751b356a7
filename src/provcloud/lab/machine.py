"""One lab machine: an overlay on the base image, seeded with the plan's cloud-init before its first
boot, booted by systemd-nspawn under a supervisor the lab owns (by PID)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from provcloud.catalogue import Province, ServiceMachine
from provcloud.errors import UserError
from provcloud.lab import cgroup
from provcloud.lab.host import OwnedProcess, run
from provcloud.lab.image import NIC_ENV
from provcloud.lab.paths import known_hosts, lab_dir, ssh_key
from provcloud.lab.plan import ADMIN_USER, LabPlan, Machine
from provcloud.platform.cloud_init import mac_address, network_config, user_data

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


SEED = "var/lib/cloud/seed/nocloud"


def is_configured(slug: str, name: str) -> bool:
    return (root_of(slug, name) / SEED / "meta-data").exists()


def hosts_template(plan: LabPlan, image_template: str) -> str:
    """cloud-init's own /etc/hosts template with the province's names added: the lab stands in for
    the province's DNS (catalogue `dns.servers`, absent here), and cloud-init (`manage_etc_hosts`)
    rewrites /etc/hosts from this template on every boot."""
    lines = [f"{address} {' '.join(names)}" for address, names in plan.hosts]
    return (
        image_template.rstrip("\n")
        + "\n\n# provcloud lab: the province's names (the catalogue)\n"
        + "\n".join(lines)
        + "\n"
    )


def resolv_conf(plan: LabPlan, servers: list[str]) -> str:
    lines = [
        MANAGED,
        "# The province's own resolvers (catalogue `dns.servers`); lab names are in /etc/hosts.",
        f"search {plan.domain}",
    ]
    lines += [f"nameserver {server}" for server in servers]
    lines.append("options timeout:1 attempts:1")
    return "\n".join(lines) + "\n"


def seed(province: Province, entry: ServiceMachine, public_key: str) -> dict[str, str]:
    """The NoCloud seed: the user-data and network-config the platform stack gives this machine's VM
    (the same functions, with the lab's key as the admin key), and its instance id."""
    return {
        "user-data": user_data(province, entry, ADMIN_USER, (public_key.strip(),)),
        "network-config": network_config(province, entry),
        "meta-data": f"instance-id: {province.slug}-{entry.name}\nlocal-hostname: {entry.name}\n",
    }


def configure(plan: LabPlan, province: Province, machine: Machine, public_key: str) -> None:
    """Seed the machine's cloud-init and write what the lab stands in for (DNS, the package proxy)
    into its upper layer. Addresses, accounts, keys and host keys come from cloud-init at first boot."""
    root = root_of(plan.slug, machine.name)
    entry = next(m for m in province.service_machines if m.name == machine.name)
    (root / "etc/machine-id").write_text(uuid.uuid4().hex + "\n")
    nic = root / NIC_ENV
    nic.parent.mkdir(parents=True, exist_ok=True)
    nic.write_text(f"{MANAGED}\nMAC={mac_address(province, entry)}\n")
    template = root / "etc/cloud/templates/hosts.debian.tmpl"
    template.write_text(hosts_template(plan, template.read_text()))
    resolv = root / "etc/resolv.conf"
    resolv.unlink(missing_ok=True)
    resolv.write_text(resolv_conf(plan, [str(server) for server in province.dns.servers]))
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
    folder = root / SEED
    folder.mkdir(parents=True, exist_ok=True)
    # meta-data written last: its presence marks a machine as configured.
    for name, text in seed(province, entry, public_key).items():
        (folder / name).write_text(text, encoding="utf-8")


def host_key_line(slug: str, machine: Machine) -> str | None:
    """The known-hosts line of the host key cloud-init generated on first boot, read from the
    machine's own disk (as trustworthy as a hypervisor's console): None before it exists."""
    path = root_of(slug, machine.name) / "etc/ssh/ssh_host_ed25519_key.pub"
    try:
        kind, key = path.read_text().split()[:2]
    except (FileNotFoundError, ValueError):
        return None
    return f"{','.join([str(machine.address.ip), machine.name, machine.fqdn])} {kind} {key}"


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
        # FUSE: the shared documents' GlusterFS client mounts through it (this kernel has no NFS).
        "--bind=/dev/fuse",
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


def host_links(machine: Machine) -> list[str]:
    """The host side of each of the machine's links (the veths nspawn put on its bridge), asked of the
    kernel inside the machine's network namespace: each veth there names its peer's index. (Netlink,
    not /sys/class/net: sysfs shows the namespace of whoever mounted it, not of the reader.)"""
    payload = cgroup.machine_cgroups(machine.unit)[0] / "payload"
    pids = [line for procs in payload.rglob("cgroup.procs") for line in procs.read_text().split()]
    if not pids:
        return []
    inside = json.loads(run("nsenter", f"--target={pids[0]}", "--net", "ip", "-json", "link").stdout)
    peers = {link["link_index"] for link in inside if "link_index" in link}
    on_host = json.loads(run("ip", "-json", "link").stdout)
    return [link["ifname"] for link in on_host if link["ifindex"] in peers]


def pull_plug(machine: Machine) -> int:
    """Cut the machine's power: every process of it killed at once, nothing shut down cleanly (what a
    fault test does to a machine); how many processes. Its links go with it: a killed machine's network
    namespace outlives its processes by seconds to minutes (the kernel tears it down in the background),
    and meanwhile its kernel would still answer ARP for the addresses it held — a virtual IP too — which
    no machine that lost its power does. Deleting the host side of a veth deletes both ends. Its root
    stays mounted; `provcloud lab up` starts it again."""
    links = host_links(machine)
    killed = cgroup.kill(machine.unit)
    for link in links:
        run("ip", "link", "delete", link, check=False)  # gone already if the namespace went first
    if left := [link for link in links if Path("/sys/class/net", link).exists()]:
        raise UserError(f"machine {machine.name}: could not delete its links {', '.join(left)} after the cut")
    return killed


def ssh_argv(plan: LabPlan, machine: Machine, command: str) -> list[str]:
    """The ssh command line that runs `command` as the admin user with the lab's key, host keys checked strictly."""
    return [
        "ssh",
        "-i",
        str(ssh_key(plan.slug)),
        "-o",
        f"UserKnownHostsFile={known_hosts(plan.slug)}",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=10",
        f"{plan.admin_user}@{machine.address.ip}",
        command,
    ]


def ssh(plan: LabPlan, machine: Machine, command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`command` run over SSH (`ssh_argv`), its output captured."""
    return subprocess.run(
        ssh_argv(plan, machine, command), capture_output=True, text=True, timeout=timeout, check=False
    )


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
