"""The base image: a minimal bootable Debian root built once with debootstrap and cached.

Machines are overlays on top of it (their own changes in an upper layer), so creating a machine
costs no copy. The cache key covers everything that goes into the image: change the package list
or the admin user and a new image is built next to the old one.
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
from provcloud.lab.plan import ADMIN_USER, DEBIAN_SUITE

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
IMAGE_VERSION = 1
"""Bump when the preparation steps below change."""


def image_key(mirror: Mirror) -> str:
    text = f"{IMAGE_VERSION} {DEBIAN_SUITE} {','.join(PACKAGES)} {ADMIN_USER} {mirror}"
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
            say("preparing the image: admin user, systemd-networkd, apt sources")
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
    run("chroot", str(root), "useradd", "--create-home", "--shell", "/bin/bash", "--groups", "sudo", ADMIN_USER)
    sudoers = root / "etc/sudoers.d" / ADMIN_USER
    sudoers.write_text(f"# provcloud lab: the admin user Ansible connects as\n{ADMIN_USER} ALL=(ALL) NOPASSWD: ALL\n")
    sudoers.chmod(0o440)
    run("chroot", str(root), "systemctl", "enable", "systemd-networkd.service")
    # Each machine gets its own host keys and machine id when it is created.
    for key in (root / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    (root / "etc/machine-id").write_text("")
    run("chroot", str(root), "apt-get", "clean")
