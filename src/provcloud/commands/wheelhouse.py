"""`provcloud wheelhouse build`: the wheels of a pinned application, built on the controller.

The document system and exchange roles call it (as `python -m provcloud wheelhouse build --json ...`) before
copying the result to the application machine; an ops team can run it ahead of a converge.
"""

from pathlib import Path
from typing import Annotated

import typer

from provcloud.console import out
from provcloud.wheelhouse import build as build_wheelhouse
from provcloud.wheelhouse import project_source

wheelhouse_app = typer.Typer(help="Wheelhouses: offline installs for the service machines.", no_args_is_help=True)


@wheelhouse_app.command()
def build(
    requirements: Annotated[list[str], typer.Argument(help="Pinned requirements, e.g. mayan-edms==4.12.2.")],
    python: Annotated[
        str, typer.Option(help="The interpreter to build for: the same Python minor version as the machines.")
    ] = "/usr/bin/python3",
    cache: Annotated[
        Path | None, typer.Option(help="Default: $PROVCLOUD_CACHE_DIR/wheelhouse (/var/cache/provcloud/wheelhouse).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (for Ansible).")] = False,
    with_provcloud: Annotated[
        bool,
        typer.Option(help="Add this provcloud's own wheel (no dependencies), built from its source tree."),
    ] = False,
) -> None:
    """Build (or reuse) the wheelhouse of REQUIREMENTS; rebuilt only when a pin, the Python or (with
    --with-provcloud) provcloud's sources change."""
    project = project_source() if with_provcloud else None
    wheelhouse = build_wheelhouse(requirements, python=python, cache=cache, project=project)
    if as_json:
        print(wheelhouse.as_json())
        return
    verb = "built" if wheelhouse.built else "up to date:"
    out.print(f"{verb} {wheelhouse.path} ({len(wheelhouse.wheels())} wheels, archive {wheelhouse.archive.name})")
