"""`provcloud country`: plan, validate and judge every province in one run; `provcloud country report`
writes the national compliance report from the same run."""

import json
import os
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from provcloud.commands.country_operator import operator
from provcloud.console import err, out
from provcloud.country.baseline import load_baseline
from provcloud.country.cache import CACHE_DIR
from provcloud.country.display import BarsProgress, PlainProgress
from provcloud.country.page import write_report
from provcloud.country.report import failure_lines, summary_table, warning_lines
from provcloud.country.result import ProvinceResult
from provcloud.country.run import run_country
from provcloud.errors import UserError
from provcloud.project import (
    BASELINE_FILE,
    catalogue_file,
    display_path,
    project_root,
    province_files,
    provinces_dir,
)


class Format(StrEnum):
    text = "text"
    json = "json"


PLAN = "plan"
"""The subcommand `provcloud country` runs when it is given no other (`provcloud country demo -j 1`)."""


class CountryGroup(TyperGroup):
    """`provcloud country [PROVINCES]...` plans; `provcloud country report ...` writes the report;
    `provcloud country operator ...` writes Stack objects."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click.Context
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = [PLAN, *args]
        return super().parse_args(ctx, args)


country_app = typer.Typer(
    cls=CountryGroup,
    help="Plan every province in one run (the default: `provcloud country [PROVINCES]`), write the "
    "national compliance report (`provcloud country report --out DIR`), or write its stacks for the "
    "Pulumi Kubernetes Operator (`provcloud country operator --out DIR`).",
)

Provinces = Annotated[
    list[str] | None,
    typer.Argument(help="Province slugs of provinces/ or catalogue files; none: every province."),
]
Jobs = Annotated[int | None, typer.Option("--jobs", "-j", help="Worker processes. Default: the machine's cores.")]
NoCache = Annotated[bool, typer.Option("--no-cache", help=f"Plan every province again, ignoring {CACHE_DIR}/.")]


def plan_country(
    provinces: list[str] | None, jobs: int | None, no_cache: bool, console: Console
) -> tuple[list[ProvinceResult], float]:
    """Every province's result (from the cache where it holds), with the run's wall time."""
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise UserError(f"--jobs {workers}: give 1 or more worker processes")
    root = project_root()
    files = [catalogue_file(p) for p in provinces] if provinces else province_files()
    if not files:
        raise UserError(f"no province catalogue in {root / 'provinces'}")
    progress = BarsProgress(console, len(files)) if console.is_terminal else PlainProgress(console)
    started = time.perf_counter()
    try:
        results = run_country(root, files, workers, progress, use_cache=not no_cache)
    finally:
        progress.close()
    return results, time.perf_counter() - started


def exit_on_failures(results: list[ProvinceResult]) -> None:
    failures = failure_lines(results)
    if failures:
        failed = sum(1 for r in results if not r.passed)
        err.print(f"[red]✗[/] {failed} of {len(results)} province(s) failed:")
        for line in failures:
            print(line, file=sys.stderr)  # one failure per line: province: file:line:col: field: message
        raise typer.Exit(1)


@country_app.command(PLAN)
def country(
    provinces: Provinces = None,
    jobs: Jobs = None,
    no_cache: NoCache = False,
    output_format: Annotated[
        Format, typer.Option("--format", help="text (a table), or json (one result per province).")
    ] = Format.text,
) -> None:
    """Plan every province as `provcloud plan` does — the stack offline, the Kubernetes schemas, the
    consumers' checks, the policy pack — in parallel worker processes; a summary table, then every
    failure with its province and file:line. Results are cached per province under
    .provcloud-cache/country/, keyed by what its plan reads. Exit 1 when any province fails."""
    # Progress goes where the result does not: stderr under --format json.
    console = out if output_format is Format.text else err
    results, wall = plan_country(provinces, jobs, no_cache, console)
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if output_format is Format.json:
        data = {"seconds": wall, "jobs": workers, "provinces": [r.as_json() for r in results]}
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        for line in warning_lines(results):
            err.print(f"[yellow]warning:[/] {escape(line)}")
        out.print(summary_table(results, wall))
    exit_on_failures(results)


@country_app.command("report")
def report(
    out_dir: Annotated[
        Path, typer.Option("--out", help="The folder to write index.html, report.md and the pictures to.")
    ],
    provinces: Provinces = None,
    jobs: Jobs = None,
    no_cache: NoCache = False,
    baseline_file: Annotated[
        Path | None, typer.Option("--baseline", help=f"The national baseline. Default: provinces/{BASELINE_FILE}.")
    ] = None,
) -> None:
    """Write the national compliance report: one static HTML page (every asset inside it: no server,
    no network) and the same content as Markdown, with each province's tenants, objects, security
    levels, the checks and level controls enforced, machines and zones, backups, LGSP and national
    links, its topology picture and its drift from the national baseline. Plans as `provcloud
    country` does (the same cache). Exit 1 when any province fails to plan (the report is written)."""
    baseline = load_baseline(baseline_file or provinces_dir() / BASELINE_FILE)
    started = time.perf_counter()
    results, _ = plan_country(provinces, jobs, no_cache, err)
    written = write_report(out_dir, results, baseline, project_root())
    took = time.perf_counter() - started
    deviations = sum(len(p.drift) for p in written.provinces)
    out.print(
        f"wrote {display_path(out_dir / written.html)} and {written.markdown} with {len(written.provinces)} "
        f"provinces, {deviations} deviation(s) from the baseline ({took:.1f} s)"
    )
    exit_on_failures(results)


country_app.command("operator")(operator)
