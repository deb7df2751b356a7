"""The service VMs' cloud-init judged by Debian 12's own cloud-init: `cloud-init schema` on the
user-data, `cloud-init devel net-convert` on the network-config into both renderers Debian uses
(systemd-networkd and ifupdown's ENI). A network-config it cannot parse or render would leave the
VM without its static address on first boot; here it fails the plan, naming the machine.

cloud-init is not on PyPI: `make system-packages` installs Debian's package. Without it, the plan
says this check was skipped and how to get it. Verdicts are kept per content (SHA-256) in the cache
folder: the same rendering is judged once."""

import hashlib
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from provcloud.lab.paths import cache_dir
from provcloud.plan.model import PlannedObject, SchemaError

RENDERERS = ("networkd", "eni")
INSTALL_HINT = "install Debian's cloud-init (apt-get install cloud-init, or `make system-packages` as root)"


def _cloud_init_disk(obj: PlannedObject) -> dict[str, Any] | None:
    if (obj.api_version, obj.kind) != ("kubevirt.io/v1", "VirtualMachine"):
        return None
    volumes = (((obj.manifest.get("spec") or {}).get("template") or {}).get("spec") or {}).get("volumes") or []
    for volume in volumes:
        if "cloudInitNoCloud" in volume:
            disk: dict[str, Any] = volume["cloudInitNoCloud"]
            return disk
    return None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _commands(kind: str, source: Path, workdir: Path) -> list[tuple[str, list[str]]]:
    """What judges `source`, each with the name a refusal gives it."""
    if kind == "user-data":
        return [("schema", ["cloud-init", "schema", "-c", str(source)])]
    convert = ["cloud-init", "devel", "net-convert", "-p", str(source), "-k", "yaml", "-D", "debian"]
    return [
        (f"net-convert to {renderer}", [*convert, "-O", renderer, "-d", str(workdir / renderer)])
        for renderer in RENDERERS
    ]


def _judge(kind: str, content: str, workdir: Path) -> str | None:
    """None when cloud-init accepts `content`, else its reason."""
    source = workdir / f"{kind}.yaml"
    source.write_text(content, encoding="utf-8")
    for what, command in _commands(kind, source, workdir):
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
        if result.returncode != 0:
            return f"{what}: {_last_line(result.stderr or result.stdout)}"
    return None


@cache
def _release() -> str:
    """The installed cloud-init's version, asked once per process."""
    version = subprocess.run(["cloud-init", "--version"], capture_output=True, text=True, check=False, timeout=60)
    return _last_line(version.stdout or version.stderr).split()[-1]


def _verdict(kind: str, content: str) -> str | None:
    key = hashlib.sha256(f"{kind}\0{content}".encode()).hexdigest()
    store = cache_dir() / "cloud-init-checks"
    accepted = store / f"{key}.ok"
    if accepted.exists():
        return None
    with tempfile.TemporaryDirectory(prefix="provcloud-cloud-init-") as folder:
        reason = _judge(kind, content, Path(folder))
    if reason is None:
        try:
            store.mkdir(parents=True, exist_ok=True)
            accepted.touch()
        except OSError:
            pass  # an unwritable cache only costs time
    return reason


def check_cloud_init(objects: list[PlannedObject]) -> tuple[list[SchemaError], str]:
    """The refusals, and a line saying what was checked (or skipped, and why)."""
    disks = [(obj, disk) for obj in objects if (disk := _cloud_init_disk(obj)) is not None]
    if not disks:
        return [], "cloud-init: no VM carries cloud-init"
    if shutil.which("cloud-init") is None:
        return [], f"cloud-init check SKIPPED for {len(disks)} VM(s): cloud-init is not installed; {INSTALL_HINT}"
    errors = []
    for obj, disk in disks:
        for kind, field in (("user-data", "userData"), ("network-config", "networkData")):
            if field not in disk:
                continue
            reason = _verdict(kind, str(disk[field]))
            if reason is not None:
                path = f"spec.template.spec.volumes[cloudinit].cloudInitNoCloud.{field}"
                errors.append(SchemaError(obj.display, path, f"Debian's cloud-init refuses the {kind}: {reason}"))
    return errors, f"user-data and network-config of {len(disks)} VM(s) parsed and rendered by cloud-init {_release()}"
