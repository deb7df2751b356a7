"""A wheelhouse: every wheel an application needs, built on the controller, installed offline.

An air-gapped provincial data centre has no package index for its service machines. The
controller (which can reach PyPI or the province's mirror of it) builds a wheel for every
package of a pinned requirement set — compiling the ones that only ship sources (psycopg2,
python-ldap) where their headers are — and the roles copy the result to the machine and install
it with `pip install --no-index`.

A wheelhouse lives in a folder named after a digest of what it was built from (the pinned
requirements and the target Python), under `$PROVCLOUD_CACHE_DIR/wheelhouse/` (default
`/var/cache/provcloud/wheelhouse/`), so it is rebuilt only when a pin or the Python changes. It
holds the wheels, `requirements.lock` (every resolved distribution pinned), `SHA256SUMS` and
`wheelhouse.tar` (one file to copy). It is built in a temporary folder and renamed into place,
so a build that fails or is interrupted leaves nothing that looks complete.
"""

import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from provcloud.errors import UserError
from provcloud.lab.paths import cache_dir as provcloud_cache_dir

LOCK_FILE = "requirements.lock"
SUMS_FILE = "SHA256SUMS"
ARCHIVE = "wheelhouse.tar"
BUILD_TOOLS = ["pip>=24", "setuptools>=70", "wheel>=0.43"]
HEADERS_HINT = (
    "compiled wheels need their headers on the controller: psycopg2 needs libpq-dev, python-ldap needs "
    "libldap2-dev and libsasl2-dev (scripts/system-packages.txt installs them)"
)


@dataclass(frozen=True)
class Wheelhouse:
    path: Path
    """The folder holding the wheels, the lock, the sums and the archive."""
    key: str
    """Digest of the requirements and the target Python: the folder's name."""
    built: bool
    """True when this call built it; False when it was already there and intact."""

    @property
    def archive(self) -> Path:
        return self.path / ARCHIVE

    @property
    def lock(self) -> Path:
        return self.path / LOCK_FILE

    def wheels(self) -> list[Path]:
        return sorted(self.path.glob("*.whl"))

    def as_json(self) -> str:
        return json.dumps(
            {
                "path": str(self.path),
                "key": self.key,
                "built": self.built,
                "archive": str(self.archive),
                "archive_sha256": _sha256(self.archive),
                "lock": str(self.lock),
                "wheels": len(self.wheels()),
            }
        )


def cache_dir() -> Path:
    """`$PROVCLOUD_CACHE_DIR/wheelhouse`, default `/var/cache/provcloud/wheelhouse`."""
    return provcloud_cache_dir() / "wheelhouse"


def python_identity(python: str) -> tuple[str, str]:
    """(`cp311`, `3.11.2`) for Debian 12's CPython: the wheel tag and the full version.

    The full version matters: dependencies carry markers such as `python_full_version < "3.11.3"`,
    so a wheelhouse resolved by a newer 3.11 than the machines' misses packages they need.
    """
    probe = "import sys; v = sys.version_info; print(f'{sys.implementation.name[:2]}{v[0]}{v[1]} {v[0]}.{v[1]}.{v[2]}')"
    try:
        result = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        raise UserError(f"cannot run the Python the wheels are built for ({python}): {error}") from error
    tag, version = result.stdout.split()
    return tag, version


def wheelhouse_key(requirements: list[str], python_version: str) -> str:
    """A digest that changes exactly when a requirement or the target Python changes."""
    canonical = "\n".join(sorted(requirement.strip() for requirement in requirements)) + f"\n#python={python_version}\n"
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def check_pinned(requirements: list[str]) -> None:
    """Every requirement must name one exact version: a wheelhouse is only rebuilt when a pin changes."""
    if not requirements:
        raise UserError("a wheelhouse needs at least one requirement (e.g. `mayan-edms==4.12.2`)")
    loose = [requirement for requirement in requirements if "==" not in requirement]
    if loose:
        raise UserError(f"every requirement must be pinned with `==`; not pinned: {', '.join(loose)}")


def project_source() -> Path:
    """The source tree of the provcloud that is running (a checkout, or an editable install)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file() or not (root / "src" / "provcloud").is_dir():
        raise UserError(
            f"provcloud runs from {Path(__file__).parent}, not from a source tree: install the exchange from a "
            "wheelhouse built where provcloud's sources are (a checkout of the release)"
        )
    return root


def source_digest(root: Path) -> str:
    """A digest of what goes into provcloud's own wheel: pyproject.toml and every file under src/provcloud."""
    digest = hashlib.sha256()
    sources = (root / "src" / "provcloud").rglob("*")
    files = [
        root / "pyproject.toml",
        *sorted(file for file in sources if file.is_file() and "__pycache__" not in file.parts),
    ]
    for file in files:
        digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def build(requirements: list[str], python: str, cache: Path | None = None, project: Path | None = None) -> Wheelhouse:
    """The wheelhouse for `requirements` built with `python`: reused when intact, else built. With
    `project` (provcloud's source tree), provcloud's own wheel too, without its dependencies (the
    controller's: Pulumi, Ansible): the requirements name what the part of it used there imports."""
    check_pinned(requirements)
    tag, version = python_identity(python)
    key = wheelhouse_key(requirements + ([f"#provcloud-source={source_digest(project)}"] if project else []), version)
    root = cache or cache_dir()
    path = root / f"{tag}-{key}"
    if path.is_dir() and _intact(path):
        return Wheelhouse(path=path, key=key, built=False)
    root.mkdir(parents=True, exist_ok=True)
    if path.exists():
        shutil.rmtree(path)
    builder = _builder(python, root / f".builder-{version}")
    with tempfile.TemporaryDirectory(prefix=f".{tag}-{key}-", dir=root) as staging_name:
        staging = Path(staging_name)
        _pip_wheel(builder, requirements, staging)
        if project is not None:
            _pip_wheel(builder, ["--no-deps", str(project)], staging)
        _write_lock(staging)
        _write_sums(staging)
        _write_archive(staging)
        staging.rename(path)
    return Wheelhouse(path=path, key=key, built=True)


def _builder(python: str, venv: Path) -> str:
    """A virtualenv of `python` to run pip in: the interpreter itself may have no pip (Debian's)."""
    builder = venv / "bin" / "python"
    ready = venv / ".ready"
    if ready.is_file():
        return str(builder)
    steps = [
        ([python, "-m", "venv", "--clear", str(venv)], "(on Debian: apt-get install python3-venv)"),
        # Debian's bundled pip is old and the venv has no `wheel`: sdists without a pyproject.toml
        # (red-black-tree-mod...) then fail with "invalid command 'bdist_wheel'".
        (
            [str(builder), "-m", "pip", "install", "--quiet", "--upgrade", *BUILD_TOOLS],
            "(is the package index reachable?)",
        ),
    ]
    for command, hint in steps:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise UserError(
                f"preparing the wheelhouse builder failed (`{' '.join(command)}`): {result.stderr.strip()} {hint}"
            )
    ready.touch()
    return str(builder)


def _pip_wheel(python: str, requirements: list[str], into: Path) -> None:
    command = [python, "-m", "pip", "wheel", "--disable-pip-version-check", "--wheel-dir", str(into), *requirements]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-15:])
        missing_headers = any(word in result.stderr for word in ("pg_config", "lber.h", "ldap.h", "sasl.h"))
        raise UserError(
            f"building the wheelhouse failed (`{' '.join(command)}`, exit {result.returncode}):\n{tail}"
            + (f"\n{HEADERS_HINT}" if missing_headers else "")
        )


def _wheel_name_version(wheel: Path) -> tuple[str, str]:
    name, version = wheel.name.split("-")[:2]
    return name.replace("_", "-").lower(), version


def _write_lock(folder: Path) -> None:
    pins = sorted(f"{name}=={version}" for name, version in map(_wheel_name_version, folder.glob("*.whl")))
    (folder / LOCK_FILE).write_text("\n".join(pins) + "\n")


def _write_sums(folder: Path) -> None:
    lines = [f"{_sha256(file)}  {file.name}" for file in sorted(folder.glob("*.whl"))]
    lines.append(f"{_sha256(folder / LOCK_FILE)}  {LOCK_FILE}")
    (folder / SUMS_FILE).write_text("\n".join(lines) + "\n")


def _write_archive(folder: Path) -> None:
    """One uncompressed tar (wheels are compressed already), byte-identical for identical content."""
    members = [*sorted(folder.glob("*.whl")), folder / LOCK_FILE, folder / SUMS_FILE]
    with tarfile.open(folder / ARCHIVE, "w", format=tarfile.PAX_FORMAT) as archive:
        for member in members:
            info = archive.gettarinfo(str(member), arcname=member.name)
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            info.mtime = 0
            info.mode = 0o644
            with member.open("rb") as content:
                archive.addfile(info, content)


def _intact(folder: Path) -> bool:
    """Every file the sums name is there with its digest, and the archive exists."""
    sums = folder / SUMS_FILE
    if not sums.is_file() or not (folder / ARCHIVE).is_file():
        return False
    for line in sums.read_text().splitlines():
        digest, _, name = line.partition("  ")
        member = folder / name
        if not member.is_file() or _sha256(member) != digest:
            return False
    return True


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as content:
        for block in iter(lambda: content.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
