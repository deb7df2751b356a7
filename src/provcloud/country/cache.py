"""The result cache of `provcloud country`: one entry per province in
`<project>/.provcloud-cache/country/<province>.json`, holding the summary result and the key it is
valid for. The key is a SHA-256 of everything the province's plan reads:

- the catalogue's content and path; a hosted province's provider catalogue
  (`providers/<provider>.yml`) and the provider's stack program and stack file
  (`stacks/provider/`); its stack file (`stacks/platform/Pulumi.<slug>.yaml`);
- what every province's plan reads: the stack program and project file, the JSON schemas beside the
  catalogues, the policy pack, the cloud-init templates;
- the code that plans it: every file of the installed `provcloud` package (its source, the vendored
  KubeVirt/CDI schemas), the version of every installed distribution (pulumi, kubernetes-validate,
  the register...), the Python version, and which cloud-init the consumer check would run.

A change to one catalogue changes that province's key only; a change to the code or the shared
files changes every key. An unreadable or foreign entry is a miss, never an error."""

import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

import provcloud
from provcloud.country.result import ProvinceResult
from provcloud.plan.stack_config import PROVIDER_STACK_DIR, STACK_DIR

CACHE_DIR = Path(".provcloud-cache") / "country"
"""Below the project root."""
FORMAT = 2
"""Bumped when an entry's shape changes."""

SHARED_INPUTS = (
    STACK_DIR / "__main__.py",
    STACK_DIR / "Pulumi.yaml",
    Path("provinces") / "schemas",
    Path("providers") / "schemas",
    Path("policies"),
    Path("templates") / "cloud-init",
)
"""What every province's plan reads, relative to the project root."""

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _files(path: Path) -> Iterable[Path]:
    if path.is_file():
        yield path
    elif path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts and file.suffix != ".pyc":
                yield file


def _hash_files(digest: "hashlib._Hash", paths: Iterable[Path], base: Path) -> None:
    for path in paths:
        for file in _files(path):
            name = file.relative_to(base) if file.is_relative_to(base) else file
            digest.update(f"\0{name}\0".encode())
            digest.update(file.read_bytes())


def shared_key(root: Path) -> str:
    """The part of every province's key that does not depend on the province (computed once)."""
    digest = hashlib.sha256(f"format {FORMAT}\0python {sys.version}\0".encode())
    package = Path(provcloud.__file__).parent
    _hash_files(digest, [package], package)
    versions = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    digest.update("\0".join(versions).encode())
    digest.update(f"\0cloud-init {shutil.which('cloud-init')}\0".encode())
    _hash_files(digest, [root / path for path in SHARED_INPUTS], root)
    return digest.hexdigest()


def _own_inputs(root: Path, catalogue: Path) -> list[Path]:
    """The province's files beyond its catalogue, read off the catalogue without validating it."""
    try:
        data = yaml.load(catalogue.read_text(encoding="utf-8"), Loader=Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []  # its plan stops at the catalogue, which the key holds
    if not isinstance(data, dict):
        return []
    inputs = []
    if isinstance(slug := data.get("slug"), str):
        inputs.append(root / STACK_DIR / f"Pulumi.{slug}.yaml")
    hosting = data.get("hosting")
    if isinstance(hosting, dict) and isinstance(provider := hosting.get("provider"), str):
        # Its plan reads the provider's outputs, which the provider's offline plan computes.
        inputs.append(catalogue.resolve().parent.parent / "providers" / f"{provider}.yml")
        inputs += [
            root / PROVIDER_STACK_DIR / name for name in ("__main__.py", "Pulumi.yaml", f"Pulumi.{provider}.yaml")
        ]
    return inputs


def province_key(shared: str, root: Path, catalogue: Path) -> str:
    digest = hashlib.sha256(shared.encode())
    digest.update(f"\0catalogue {catalogue.resolve()}\0".encode())
    digest.update(catalogue.read_bytes())
    for file in _own_inputs(root, catalogue):
        # A file that is missing now is part of the key too: adding it later changes the key.
        digest.update(f"\0{file.resolve()} {'present' if file.is_file() else 'absent'}\0".encode())
        _hash_files(digest, [file], root)
    return digest.hexdigest()


class ResultCache:
    def __init__(self, root: Path) -> None:
        self.folder = root / CACHE_DIR

    def _entry(self, catalogue: Path) -> Path:
        return self.folder / f"{catalogue.stem}.json"

    def get(self, catalogue: Path, key: str) -> ProvinceResult | None:
        try:
            data: Any = json.loads(self._entry(catalogue).read_text(encoding="utf-8"))
            if data.get("key") != key:
                return None
            return ProvinceResult.from_json(data["result"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, catalogue: Path, key: str, result: ProvinceResult) -> None:
        """Keep a result for its key; a crash of the planning code is not kept (fix, then rerun)."""
        if result.internal_error:
            return
        entry = self._entry(catalogue)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = entry.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps({"key": key, "result": result.as_json()}, indent=1), encoding="utf-8")
            partial.replace(entry)
        except OSError:
            pass  # an unwritable cache only costs time
