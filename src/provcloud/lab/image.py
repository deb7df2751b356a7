"""The base image: a minimal bootable Debian root built once with debootstrap and cached.

Machines are overlays on top of it (their own changes in an upper layer), so creating a machine
costs no copy. The cache key covers everything that goes into the image: change the package list
or the lab's NIC unit and a new image is built next to the old one.
"""

import fcntl
import hashlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from provcloud.lab.host import run
from provcloud.lab.mirror import Mirror
from provcloud.lab.paths import cache_dir
from provcloud.lab.plan import DEBIAN_SUITE

PACKAGES = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "openssh-server",
    "python3",
    "python3-apt",
    "iproute2",
    "sudo",
    "ca-certificates",
)
FIRST_BOOT_PACKAGES = ("cloud-init", "tzdata")
"""Each machine is configured on first boot by the plan's own cloud-init (NoCloud seed), as its VM
would be; tzdata for its `timezone`. Installed with apt after debootstrap, whose own dependency
ordering fails to configure cloud-init's Python dependencies."""
IMAGE_VERSION = 2
"""Bump when the preparation steps below change."""


NIC_UNIT = "provcloud-lab-nic.service"
NIC_ENV = "etc/provcloud-lab/nic.env"
NIC_UNIT_TEXT = f"""# provcloud lab: plays the hypervisor's part. KubeVirt gives the VM's interface the MAC address the
# VirtualMachine declares, and the plan's network-config matches it; nspawn's host0 gets a MAC of
# its own, so it is set here, before cloud-init looks for the interface.
[Unit]
Description=provcloud lab: the interface MAC the plan's VirtualMachine declares
DefaultDependencies=no
Before=cloud-init-local.service network-pre.target
Wants=network-pre.target
ConditionPathExists=/{NIC_ENV}

[Service]
Type=oneshot
EnvironmentFile=/{NIC_ENV}
ExecStart=/usr/sbin/ip link set dev host0 address ${{MAC}}

[Install]
WantedBy=cloud-init-local.service
"""


def image_key(mirror: Mirror) -> str:
    packages = ",".join(PACKAGES + FIRST_BOOT_PACKAGES)
    text = f"{IMAGE_VERSION} {DEBIAN_SUITE} {packages} {mirror} {NIC_UNIT_TEXT}"
    return f"{DEBIAN_SUITE}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def base_images_dir() -> Path:
    return cache_dir() / "base"


def base_image(mirror: Mirror) -> Path:
    return base_images_dir() / image_key(mirror)


def ensure_base_image(mirror: Mirror, say: Callable[[str], None]) -> tuple[Path, bool]:
    """The cached image, built first if missing; (path, built now). Safe against concurrent labs."""
    target = base_image(mirror)
    if (target / "etc" / "os-release").exists():
        return target, False
    base_images_dir().mkdir(parents=True, exist_ok=True)
    with open(base_images_dir() / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another lab may be building the same image
        if (target / "etc" / "os-release").exists():
            return target, False
        building = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=base_images_dir()))
        try:
            say(f"debootstrap {DEBIAN_SUITE} from {mirror.archive} (once; cached in {target})")
            run(
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(PACKAGES)}",
                DEBIAN_SUITE,
                str(building),
                mirror.archive,
            )
            say("preparing the image: cloud-init (NoCloud), systemd-networkd, apt sources")
            _prepare(building, mirror)
            building.rename(target)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    return target, True


def _prepare(root: Path, mirror: Mirror) -> None:
    sources = [f"deb {mirror.archive} {DEBIAN_SUITE} main", f"deb {mirror.archive} {DEBIAN_SUITE}-updates main"]
    if mirror.security:
        sources.append(f"deb {mirror.security} {DEBIAN_SUITE}-security main")
    (root / "etc/apt/sources.list").write_text("\n".join(sources) + "\n")
    shutil.copy("/etc/resolv.conf", root / "etc/resolv.conf")  # the host's resolver, for apt only
    apt = ["chroot", str(root), "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-q"]
    run(*apt, "update")
    run(*apt, "install", "-y", "--no-install-recommends", *FIRST_BOOT_PACKAGES)
    (root / "etc/resolv.conf").unlink()
    # No accounts here: the admin user, its key and sudo come from the plan's user-data.
    (root / "etc/cloud/cloud.cfg.d/90_provcloud_lab.cfg").write_text(
        "# provcloud lab: the seed is always NoCloud (/var/lib/cloud/seed/nocloud); probe nothing else\n"
        "datasource_list: [NoCloud]\n"
    )
    unit = root / "etc/systemd/system" / NIC_UNIT
    unit.write_text(NIC_UNIT_TEXT)
    run("chroot", str(root), "systemctl", "enable", "systemd-networkd.service", NIC_UNIT)
    # Each machine gets its own host keys and machine id when it is created.
    for key in (root / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    (root / "etc/machine-id").write_text("")
    run("chroot", str(root), "apt-get", "clean")
