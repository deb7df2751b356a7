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

from provcloud.errors import UserError
from provcloud.plan import capture
from provcloud.plan.capture import CapturedResource
from provcloud.plan.model import PlannedObject, kubernetes_objects
from provcloud.plan.stack_config import CATALOGUE_KEY, STACK_DIR, find_stack


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
        config_file = Path(folder) / "config.json"
        out_file = Path(folder) / "capture.json"
        config_file.write_text(json.dumps({**stack.config, CATALOGUE_KEY: str(old_catalogue)}), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(old_root / "src"), os.environ.get("PYTHONPATH", "")])}
        env["PROVCLOUD_ROOT"] = str(old_root)
        result = subprocess.run(
            [
                sys.executable,
                capture.__file__,
                "--program",
                str(stack.program),
                "--project",
                stack.project,
                "--stack",
                stack.name,
                "--config",
                str(config_file),
                "--out",
                str(out_file),
            ],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        if result.returncode != 0:
            tail = "\n".join(result.stderr.strip().splitlines()[-15:])
            raise UserError(f"planning {slug} at {revision} failed:\n{tail}")
        data = json.loads(out_file.read_text(encoding="utf-8"))
    return kubernetes_objects([CapturedResource(**resource) for resource in data["resources"]])
