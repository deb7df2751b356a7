"""`provcloud country`: plan, validate and judge every province in one run."""

import json
import os
import sys
import time
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from provcloud.commands.country_operator import operator
from provcloud.console import err, out
from provcloud.country.cache import CACHE_DIR
from provcloud.country.display import BarsProgress, PlainProgress
from provcloud.country.report import failure_lines, summary_table, warning_lines
from provcloud.country.run import run_country
from provcloud.errors import UserError
from provcloud.project import catalogue_file, project_root, province_files


class Format(StrEnum):
    text = "text"
    json = "json"


PLAN = "plan"
"""The subcommand `provcloud country` runs when it is given no other (`provcloud country demo -j 1`)."""


class CountryGroup(TyperGroup):
    """`provcloud country [PROVINCES]...` plans; `provcloud country operator ...` writes Stack objects."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click.Context
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = [PLAN, *args]
        return super().parse_args(ctx, args)


country_app = typer.Typer(
    cls=CountryGroup,
    help="Plan every province in one run (the default: `provcloud country [PROVINCES]`), or write its "
    "stacks for the Pulumi Kubernetes Operator (`provcloud country operator --out DIR`).",
)


@country_app.command(PLAN)
def country(
    provinces: Annotated[
        list[str] | None,
        typer.Argument(help="Province slugs of provinces/ or catalogue files; none: every province."),
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", help="Worker processes. Default: the machine's cores.")
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help=f"Plan every province again, ignoring {CACHE_DIR}/.")
    ] = False,
    output_format: Annotated[
        Format, typer.Option("--format", help="text (a table), or json (one result per province).")
    ] = Format.text,
) -> None:
    """Plan every province as `provcloud plan` does — the stack offline, the Kubernetes schemas, the
    consumers' checks, the policy pack — in parallel worker processes; a summary table, then every
    failure with its province and file:line. Results are cached per province under
    .provcloud-cache/country/, keyed by what its plan reads. Exit 1 when any province fails."""
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise UserError(f"--jobs {workers}: give 1 or more worker processes")
    root = project_root()
    files = [catalogue_file(p) for p in provinces] if provinces else province_files()
    if not files:
        raise UserError(f"no province catalogue in {root / 'provinces'}")
    # Progress goes where the result does not: stderr under --format json.
    console = out if output_format is Format.text else err
    progress = BarsProgress(console, len(files)) if console.is_terminal else PlainProgress(console)
    started = time.perf_counter()
    try:
        results = run_country(root, files, workers, progress, use_cache=not no_cache)
    finally:
        progress.close()
    wall = time.perf_counter() - started
    failures = failure_lines(results)
    if output_format is Format.json:
        data = {"seconds": wall, "jobs": workers, "provinces": [r.as_json() for r in results]}
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        for line in warning_lines(results):
            err.print(f"[yellow]warning:[/] {escape(line)}")
        out.print(summary_table(results, wall))
    if failures:
        failed = sum(1 for r in results if not r.passed)
        err.print(f"[red]✗[/] {failed} of {len(results)} province(s) failed:")
        for line in failures:
            print(line, file=sys.stderr)  # one failure per line: province: file:line:col: field: message
        raise typer.Exit(1)


country_app.command("operator")(operator)
