"""`provcloud lab up|status|down PROVINCE`: the province's service machines on this host."""

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from provcloud.catalogue.slug import is_dns_label
from provcloud.commands.lab_use import call, open_service
from provcloud.commands.validate import load_catalogue
from provcloud.console import out
from provcloud.errors import UserError
from provcloud.lab.lab import lab_down, lab_status, lab_up
from provcloud.lab.paths import lab_dir
from provcloud.lab.state import LabState
from provcloud.project import catalogue_file

lab_app = typer.Typer(
    help="The lab: the province's service machines as systemd-nspawn machines on this host (root).",
    no_args_is_help=True,
)

Province = Annotated[str, typer.Argument(help="A province slug of provinces/, or a catalogue file.")]


class ConsoleReporter:
    def done(self, what: str) -> None:
        out.print(f"[green]✓[/] {what}")

    def busy(self, what: str) -> AbstractContextManager[object]:
        return out.status(f"{what} …")


@lab_app.command()
def up(province: Province) -> None:
    """Build (once) and boot the province's machines, bridges, proxy and firewall; idempotent."""
    file = catalogue_file(province)
    catalogue = load_catalogue(file)
    changes = lab_up(catalogue, str(file.resolve()), ConsoleReporter())
    if changes.done:
        out.print(
            f"[bold green]lab {catalogue.slug} is up[/] ({len(changes.done)} change(s)); "
            f"state in {lab_dir(catalogue.slug)}"
        )
    else:
        out.print(f"[bold]lab {catalogue.slug} is already up: nothing changed[/]")


@lab_app.command()
def status(province: Province) -> None:
    """Machines, addresses and whether each runs and answers SSH."""
    catalogue = load_catalogue(_catalogue_of_lab(province))
    state, rows, proxy_running = lab_status(catalogue)
    if state is None:
        out.print(f"lab {catalogue.slug} is not up (`provcloud lab up {province}`)")
        return
    table = Table(title=f"lab {catalogue.slug}")
    for column in ("machine", "zone", "address", "bridge", "pid", "state", "ssh"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.name,
            row.zone,
            row.address,
            row.bridge,
            str(row.pid or "—"),
            "[green]running[/]" if row.running else "[red]stopped[/]",
            "[green]up[/]" if row.ssh else "[red]down[/]",
        )
    out.print(table)
    proxy_state = "[green]running[/]" if proxy_running else "[red]stopped[/]"
    out.print(f"package proxy: {proxy_state}; nftables table: {state.nft_table or '—'}")
    if not all(row.running for row in rows) or not proxy_running:
        raise typer.Exit(1)


@lab_app.command()
def down(province: Province) -> None:
    """Stop the machines by their PIDs and remove every bridge, proxy, table and file the lab created."""
    slug = _slug_for_down(province)
    changes = lab_down(slug, ConsoleReporter())
    if changes.done:
        out.print(f"[bold green]lab {slug} is down[/]: nothing of it is left on this host")
    else:
        out.print(f"lab {slug} is not up: nothing to remove")


lab_app.command("call", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(call)
lab_app.command("open")(open_service)


def _catalogue_of_lab(province: str) -> Path:
    """The catalogue file; for a lab that is up, its slug also finds the file it was brought up from."""
    try:
        return catalogue_file(province)
    except UserError:
        state = LabState.load(province) if is_dns_label(province) else None
        if state is not None and Path(state.catalogue).is_file():
            return Path(state.catalogue)
        raise


def _slug_for_down(province: str) -> str:
    """The slug of the catalogue; a lab whose catalogue file is gone is taken down by its slug."""
    try:
        return load_catalogue(catalogue_file(province)).slug
    except UserError:
        if is_dns_label(province):
            return province
        raise
