"""Where a provcloud project lives on disk: the folder holding `provinces/`, `templates/`, ..."""

import os
from pathlib import Path

from provcloud.errors import UserError

ROOT_ENV = "PROVCLOUD_ROOT"


def project_root() -> Path:
    """`$PROVCLOUD_ROOT`, else the nearest folder at or above the current one holding `provinces/`."""
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "provinces").is_dir():
            return folder
    raise UserError(f"no provcloud project here: no `provinces/` folder in {here} or above (or set {ROOT_ENV})")


def provinces_dir() -> Path:
    return project_root() / "provinces"


def templates_dir() -> Path:
    return project_root() / "templates"


BASELINE_FILE = "baseline.yml"
"""The national baseline, in `provinces/` beside the catalogues and not one of them."""


def catalogue_files(folder: Path) -> list[Path]:
    """The province catalogues of a folder such as `provinces/`: its YAML files but the baseline."""
    return sorted(file for file in folder.glob("*.yml") if file.name != BASELINE_FILE)


def province_files() -> list[Path]:
    return catalogue_files(provinces_dir())


def catalogue_file(province: str) -> Path:
    """A province slug of `provinces/`, or a path to any catalogue file."""
    as_path = Path(province)
    if as_path.suffix in (".yml", ".yaml") or os.sep in province:
        if not as_path.is_file():
            raise UserError(f"{province}: no such catalogue file")
        return as_path
    file = provinces_dir() / f"{province}.yml"
    if not file.is_file():
        known = ", ".join(p.stem for p in province_files()) or "none"
        raise UserError(f"no province {province!r}: {display_path(file)} does not exist (provinces: {known})")
    return file


def display_path(path: Path) -> Path:
    """The path relative to the current folder when it lies below it, as users typed it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path
