"""`provcloud validate`: check province catalogues and show what each declares."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from provcloud.catalogue import CatalogueError, Province, load_province
from provcloud.catalogue.summary import province_summary
from provcloud.console import err, out
from provcloud.project import catalogue_file, display_path, province_files


def load_catalogue(file: Path) -> Province:
    """Load for a command: the path is shown as the user knows it."""
    return load_province(display_path(file))


def validate(
    provinces: Annotated[
        list[str] | None,
        typer.Argument(help="Province slugs of provinces/ or catalogue files; none: every province."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Errors only, no summary.")] = False,
) -> None:
    """Validate province catalogues: every error with file, line and field; a summary of each."""
    files = [catalogue_file(p) for p in provinces] if provinces else province_files()
    failed = 0
    for file in files:
        try:
            province = load_catalogue(file)
        except CatalogueError as error:
            failed += 1
            print(error, file=sys.stderr)  # one problem per line: file:line:col: field: message
            err.print(f"[red]✗[/] {display_path(file)}: {len(error.problems)} problem(s)")
            continue
        if not quiet:
            out.print(province_summary(province))
        out.print(f"[green]✓[/] {display_path(file)} is valid")
    if failed:
        raise typer.Exit(1)
