"""The stack a plan runs: the program in `stacks/platform/`, its project name, and the config of the
province's stack (`Pulumi.<slug>.yaml`) — or, for a catalogue without a stack file (a synthetic
province), a config derived from the catalogue with safe defaults."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from provcloud.errors import UserError
from provcloud.platform.settings import PROJECT

STACK_DIR = Path("stacks") / "platform"
CATALOGUE_KEY = f"{PROJECT}:catalogue"


@dataclass(frozen=True)
class Stack:
    program: Path
    project: str
    name: str
    config: dict[str, str]
    config_file: Path | None
    """The stack file the config came from; None when derived from the catalogue."""


def _read_yaml(file: Path) -> Any:
    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else str(file)
        raise UserError(f"{where}: not valid YAML: {getattr(error, 'problem', error)}") from error


def project_name(root: Path) -> str:
    project_file = root / STACK_DIR / "Pulumi.yaml"
    if not project_file.is_file():
        raise UserError(f"{project_file}: the platform stack's project file is missing")
    data = _read_yaml(project_file)
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise UserError(f"{project_file}: `name` is missing")
    return str(data["name"])


def stack_config(file: Path) -> dict[str, str]:
    """A stack file's config as Pulumi hands it to a program: strings, structured values as JSON."""
    data = _read_yaml(file)
    config = data.get("config") if isinstance(data, dict) else None
    if not isinstance(config, dict):
        raise UserError(f"{file}: no `config:` mapping")
    return {str(key): value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}


def find_stack(root: Path, slug: str, catalogue: Path) -> Stack:
    """The province's stack when `catalogue` is the one its stack file names; else a derived one."""
    stack_dir = root / STACK_DIR
    project = project_name(root)
    file = stack_dir / f"Pulumi.{slug}.yaml"
    if file.is_file():
        config = stack_config(file)
        named = config.get(CATALOGUE_KEY)
        if named is None:
            raise UserError(f"{file}: config {CATALOGUE_KEY} is missing")
        named_path = Path(named) if Path(named).is_absolute() else root / named
        if named_path.resolve() == catalogue.resolve():
            return Stack(stack_dir / "__main__.py", project, slug, {**config, CATALOGUE_KEY: str(named_path)}, file)
    derived = {CATALOGUE_KEY: str(catalogue.resolve()), f"{PROJECT}:sshAuthorizedKeys": "[]"}
    return Stack(stack_dir / "__main__.py", project, slug, derived, None)
