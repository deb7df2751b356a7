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
from provcloud.provider.settings import PROJECT as PROVIDER_PROJECT

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


def project_name(root: Path, stack_dir: Path = STACK_DIR) -> str:
    project_file = root / stack_dir / "Pulumi.yaml"
    if not project_file.is_file():
        raise UserError(f"{project_file}: the stack's project file is missing")
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


def _named_catalogue(root: Path, file: Path, key: str) -> tuple[dict[str, str], Path]:
    """A stack file's config and the catalogue its `key` names (relative: from the project root)."""
    config = stack_config(file)
    named = config.get(key)
    if named is None:
        raise UserError(f"{file}: config {key} is missing")
    return config, Path(named) if Path(named).is_absolute() else root / named


def find_stack(root: Path, slug: str, catalogue: Path) -> Stack:
    """The province's stack when `catalogue` is the one its stack file names; else a derived one."""
    stack_dir = root / STACK_DIR
    project = project_name(root)
    file = stack_dir / f"Pulumi.{slug}.yaml"
    if file.is_file():
        config, named_path = _named_catalogue(root, file, CATALOGUE_KEY)
        if named_path.resolve() == catalogue.resolve():
            return Stack(stack_dir / "__main__.py", project, slug, {**config, CATALOGUE_KEY: str(named_path)}, file)
    derived = {CATALOGUE_KEY: str(catalogue.resolve()), f"{PROJECT}:sshAuthorizedKeys": "[]"}
    return Stack(stack_dir / "__main__.py", project, slug, derived, None)


PROVIDER_STACK_DIR = Path("stacks") / "provider"
PROVIDER_CATALOGUE_KEY = f"{PROVIDER_PROJECT}:catalogue"


def find_provider_stack(root: Path, slug: str) -> Stack:
    """The provider's stack (`stacks/provider/Pulumi.<slug>.yaml`), or one derived from
    `providers/<slug>.yml` when it has no stack file."""
    stack_dir = root / PROVIDER_STACK_DIR
    project = project_name(root, PROVIDER_STACK_DIR)
    file = stack_dir / f"Pulumi.{slug}.yaml"
    catalogue = root / "providers" / f"{slug}.yml"
    if file.is_file():
        config, path = _named_catalogue(root, file, PROVIDER_CATALOGUE_KEY)
        return Stack(stack_dir / "__main__.py", project, slug, {**config, PROVIDER_CATALOGUE_KEY: str(path)}, file)
    if not catalogue.is_file():
        known = ", ".join(sorted(p.stem for p in catalogue.parent.glob("*.yml"))) or "none"
        raise UserError(f"unknown provider {slug!r}: {catalogue} does not exist (providers: {known})")
    return Stack(stack_dir / "__main__.py", project, slug, {PROVIDER_CATALOGUE_KEY: str(catalogue)}, None)
