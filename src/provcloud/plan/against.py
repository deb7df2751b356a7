"""`--against GIT_REV`: plan the catalogue and the code as they were at another revision.

The revision's tree is exported to a temporary folder and its stack program runs there, in a child
process whose import path puts that revision's `src/` first, through this revision's capture script
(which imports nothing from provcloud). A province that did not exist then plans as empty.
"""

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import yaml

from provcloud.errors import UserError
from provcloud.plan import capture
from provcloud.plan.capture import CapturedResource
from provcloud.plan.model import PlannedObject, kubernetes_objects
from provcloud.plan.stack_config import (
    CATALOGUE_KEY,
    PROVIDER_STACK_DIR,
    STACK_DIR,
    Stack,
    find_provider_stack,
    find_stack,
)
from provcloud.provider.settings import provider_stack_name


def _git(root: Path, *args: str) -> bytes:
    result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    if result.returncode != 0:
        raise UserError(f"git {' '.join(args)}: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def export_revision(root: Path, revision: str, target: Path) -> Path:
    """Write the project tree at `revision` below `target`; returns the project root in it."""
    commit = _git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").decode().strip()
    prefix = _git(root, "rev-parse", "--show-prefix").decode().strip()
    toplevel = Path(_git(root, "rev-parse", "--show-toplevel").decode().strip())
    archive = _git(toplevel, "archive", "--format=tar", commit)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target / prefix


def plan_objects_at(root: Path, revision: str, slug: str, catalogue: Path) -> list[PlannedObject]:
    """The Kubernetes objects the stack declared for this province at `revision`."""
    with tempfile.TemporaryDirectory(prefix="provcloud-against-") as folder:
        old_root = export_revision(root, revision, Path(folder))
        try:
            relative = catalogue.resolve().relative_to(root.resolve())
            old_catalogue = old_root / relative
        except ValueError:
            old_catalogue = catalogue  # a catalogue outside the project: the same file on both sides
        if not old_catalogue.is_file() or not (old_root / STACK_DIR / "__main__.py").is_file():
            return []
        stack = find_stack(old_root, slug, old_catalogue)
        references = _provider_references_at(old_root, old_catalogue, revision)
        data = _capture_at(old_root, stack, {**stack.config, CATALOGUE_KEY: str(old_catalogue)}, references)
        if "error" in data:
            raise UserError(f"planning {slug} at {revision} failed:\n{data['error']}")
    return kubernetes_objects([CapturedResource(**resource) for resource in data["resources"]])


def _provider_references_at(old_root: Path, catalogue: Path, revision: str) -> dict[str, Any]:
    """For a province hosted at that revision: its provider's stack outputs at that revision, which
    its StackReference reads; none for a province on its own cluster."""
    data = yaml.safe_load(catalogue.read_text(encoding="utf-8"))
    hosting = data.get("hosting") if isinstance(data, dict) else None
    if not isinstance(hosting, dict) or not (old_root / PROVIDER_STACK_DIR / "__main__.py").is_file():
        return {}
    provider = str(hosting.get("provider"))
    planned = _capture_at(old_root, find_provider_stack(old_root, provider), None, {})
    if "error" in planned:
        raise UserError(f"planning provider {provider} at {revision} failed:\n{planned['error']}")
    return {provider_stack_name(provider): planned["outputs"]}


def _capture_at(
    old_root: Path, stack: Stack, config: dict[str, str] | None, references: dict[str, Any]
) -> dict[str, Any]:
    """Run a stack program of the exported revision through this revision's capture script: the
    capture as JSON, or `{"error": the last lines it printed}`."""
    with tempfile.TemporaryDirectory(prefix="provcloud-capture-") as folder:
        config_file, out_file, references_file = (Path(folder) / n for n in ("config.json", "out.json", "refs.json"))
        config_file.write_text(json.dumps(config if config is not None else stack.config), encoding="utf-8")
        references_file.write_text(json.dumps(references), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(old_root / "src"), os.environ.get("PYTHONPATH", "")])}
        env["PROVCLOUD_ROOT"] = str(old_root)
        arguments = ["--program", str(stack.program), "--project", stack.project, "--stack", stack.name]
        arguments += ["--config", str(config_file), "--out", str(out_file), "--references", str(references_file)]
        result = subprocess.run(
            [sys.executable, capture.__file__, *arguments], capture_output=True, text=True, check=False, env=env
        )
        if result.returncode != 0:
            return {"error": "\n".join(result.stderr.strip().splitlines()[-15:])}
        loaded: dict[str, Any] = json.loads(out_file.read_text(encoding="utf-8"))
        return loaded
