"""What a person sees while `provcloud country` runs. On a terminal: a bar per province being
planned (its phase) and one for the whole country, and a line above them per finished province.
Elsewhere (CI logs, a pipe): only the line per finished province."""

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from provcloud.country.result import ProvinceResult
from provcloud.plan.run import PHASES


def finished_line(result: ProvinceResult) -> str:
    """`✓ demo: 85 objects, 5 tenants (2.3 s)`, in rich markup."""
    mark = "[green]✓[/]" if result.passed else "[red]✗[/]"
    what = f"{result.objects} objects, {result.tenants} tenants" if result.objects is not None else "not planned"
    if result.failures:
        what += f", [red]{len(result.failures)} failure(s)[/]"
    when = f"cached, planned in {result.planned_seconds:.1f} s" if result.cached else f"{result.seconds:.1f} s"
    return f"{mark} {escape(result.slug)}: {what} ({when})"


class PlainProgress:
    """A line per finished province: readable in a CI log, no redrawing."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def start(self) -> None:
        pass

    def phase(self, stem: str, phase: str) -> None:
        pass

    def finished(self, result: ProvinceResult) -> None:
        self.console.print(finished_line(result))

    def close(self) -> None:
        pass


class BarsProgress:
    """Rich bars: one per province while it is planned (step = phase), one for the country."""

    def __init__(self, console: Console, provinces: int) -> None:
        self.bars = Progress(
            TextColumn("{task.description}", justify="left"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[phase]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.country = self.bars.add_task("[bold]country", total=provinces, phase="provinces")
        self.provinces: dict[str, TaskID] = {}
        self.done: set[str] = set()

    def start(self) -> None:
        self.bars.start()

    def phase(self, stem: str, phase: str) -> None:
        if stem in self.done:
            return  # phases and results come by different pipes: a late phase of a finished province
        if stem not in self.provinces:
            self.provinces[stem] = self.bars.add_task(escape(stem), total=len(PHASES), phase=phase)
        self.bars.update(self.provinces[stem], completed=PHASES.index(phase), phase=phase)

    def finished(self, result: ProvinceResult) -> None:
        self.done.add(result.slug)
        if (task := self.provinces.pop(result.slug, None)) is not None:
            self.bars.remove_task(task)
        self.bars.console.print(finished_line(result))
        self.bars.advance(self.country)

    def close(self) -> None:
        self.bars.stop()
