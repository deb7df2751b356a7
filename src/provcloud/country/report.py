"""The end of a `provcloud country` run: every province side by side, then every failure on a line
of its own, naming its province and file:line."""

from rich import box
from rich.markup import escape
from rich.table import Table

from provcloud.country.result import ProvinceResult


def checks_cell(result: ProvinceResult) -> str:
    text = "[green]✓ pass[/]" if result.passed else f"[red]✗ {len(result.failures)} failed[/]"
    if result.advisory:
        text += f", {result.advisory} advisory"
    if result.skipped_checks:
        text += f", [yellow]{result.skipped_checks} skipped[/]"
    return text


def _number(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def summary_table(results: list[ProvinceResult], wall: float) -> Table:
    passed = sum(1 for r in results if r.passed)
    # A CI log is 80 columns wide: no outer frame, and a checks cell may wrap.
    table = Table(
        title=f"The country: {passed} of {len(results)} provinces pass ({wall:.1f} s)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for column in ("province", "host", "agencies", "tenants", "objects", "checks", "s", "cached"):
        numeric = column in ("agencies", "tenants", "objects", "s")
        table.add_column(
            column,
            justify="right" if numeric else "left",
            no_wrap=column != "checks",
            min_width=8 if column == "checks" else None,
        )
    for result in results:
        table.add_row(
            escape(result.slug),
            escape(result.host),
            _number(result.agencies),
            _number(result.tenants),
            _number(result.objects),
            checks_cell(result),
            f"{result.seconds:.1f}",
            "yes" if result.cached else "no",
        )
    table.add_row(
        "[bold]total",
        "",
        _number(sum(r.agencies or 0 for r in results)),
        _number(sum(r.tenants or 0 for r in results)),
        _number(sum(r.objects or 0 for r in results)),
        f"{len(results) - passed} failed",
        f"{sum(r.seconds for r in results):.1f}",
        f"{sum(1 for r in results if r.cached)}",
    )
    return table


def failure_lines(results: list[ProvinceResult]) -> list[str]:
    """`<province>: <file>:<line>:<col>: <field>: <message>`, one per failure (plain text)."""
    return [f"{result.slug}: {failure}" for result in results for failure in result.failures]


def warning_lines(results: list[ProvinceResult]) -> list[str]:
    """Each warning once, with the provinces that gave it (34 provinces share most of them)."""
    provinces: dict[str, list[str]] = {}
    for result in results:
        for warning in dict.fromkeys(result.warnings):
            provinces.setdefault(warning, []).append(result.slug)
    return [f"{', '.join(slugs)}: {warning}" for warning, slugs in provinces.items()]
