"""What `provcloud country` draws on a terminal: a bar per province while it is planned, gone once
it is finished, and one for the country."""

import io

from rich.console import Console

from provcloud.country.display import BarsProgress
from provcloud.country.result import ProvinceResult


def bars() -> BarsProgress:
    return BarsProgress(Console(file=io.StringIO(), force_terminal=True, width=100, highlight=False), provinces=2)


def descriptions(progress: BarsProgress) -> list[str]:
    return [task.description for task in progress.bars.tasks]


def test_a_bar_per_province_being_planned_follows_its_phase() -> None:
    progress = bars()
    progress.phase("demo", "load")
    progress.phase("hue", "load")
    progress.phase("demo", "schema")
    assert descriptions(progress) == ["[bold]country", "demo", "hue"]
    demo = next(task for task in progress.bars.tasks if task.description == "demo")
    assert (demo.completed, demo.total, demo.fields["phase"]) == (2, 5, "schema")


def test_a_finished_province_leaves_a_line_and_no_bar_even_when_a_phase_arrives_late() -> None:
    progress = bars()
    progress.phase("demo", "policies")
    progress.finished(ProvinceResult(slug="demo", file="provinces/demo.yml", objects=85, tenants=7))
    progress.phase("demo", "policies")  # sent before the result, read after it
    assert descriptions(progress) == ["[bold]country"]
    assert progress.bars.tasks[0].completed == 1
    output = progress.bars.console.file.getvalue()  # type: ignore[attr-defined]
    assert "demo: 85 objects, 7 tenants" in output
