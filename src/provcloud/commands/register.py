"""`provcloud register`: province catalogues from the official register, kept in step with it."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from provcloud.catalogue import CatalogueError
from provcloud.catalogue.hosted import hosting_providers
from provcloud.console import err, out
from provcloud.errors import UserError
from provcloud.project import catalogue_file, display_path, project_root, province_files, templates_dir
from provcloud.register.catalogue import generated_files, is_generated
from provcloud.register.source import use_register
from provcloud.register.sync import sync_text
from provcloud.scaffold import write_files

register_app = typer.Typer(
    help="Province catalogues from the official register of administrative units (vietnam-provinces).",
    no_args_is_help=True,
)

RegisterFile = Annotated[
    Path | None,
    typer.Option(
        "--register",
        help="A register in the package's nested-divisions.json format instead of the installed package.",
    ),
]
Check = Annotated[bool, typer.Option(help="Change nothing; exit 1 if a file is not what the register gives.")]


@register_app.command()
def generate(
    codes: Annotated[list[str] | None, typer.Argument(help="Province codes (e.g. 48); none: all 34.")] = None,
    register_file: RegisterFile = None,
    check: Check = False,
) -> None:
    """Write every province of the register: provinces/<slug>.yml, its stack config and inventory.
    Catalogues this command wrote are rewritten; hand-written ones (danang) are left alone (use
    `register sync`); existing stack and inventory files are never touched."""
    register = use_register(register_file)
    root, templates = project_root(), templates_dir()
    provinces = [register.province(code) for code in codes] if codes else list(register.provinces.values())
    hosts = hosting_providers(root / "providers")
    stale: list[Path] = []
    for province in provinces:
        generated = generated_files(province, templates, register.source, hosts.get(province.slug))
        files = [(root / target, text) for target, text in generated]
        to_write = []
        for target, text in files:
            if not target.exists():
                to_write.append((target, text))
            elif target.parent.name == "provinces" and is_generated(target):
                if target.read_text(encoding="utf-8") != text:
                    to_write.append((target, text))
            elif target.parent.name == "provinces":
                out.print(f"{display_path(target)} is hand-written: left alone (`provcloud register sync` updates it)")
        stale.extend(target for target, _ in to_write)
        if not check:
            write_files(to_write)
            for target, _ in to_write:
                out.print(f"wrote {display_path(target)}")
    if check and stale:
        for target in stale:
            err.print(f"[red]✗[/] {display_path(target)} is not what the register gives")
        raise UserError("run `provcloud register generate` and review the diff")
    out.print(f"[green]✓[/] {len(provinces)} province(s) from {register.source}")


@register_app.command()
def sync(
    provinces: Annotated[
        list[str] | None, typer.Argument(help="Province slugs or catalogue files; none: every province.")
    ] = None,
    register_file: RegisterFile = None,
    check: Check = False,
) -> None:
    """Rewrite only the register-owned lines of catalogues: renamed or re-kinded communes and wards,
    units added or removed; report every change. Nothing is written unless the result validates."""
    register = use_register(register_file)
    files = [catalogue_file(p) for p in provinces] if provinces else province_files()
    failed = changed = 0
    for file in files:
        shown = display_path(file)
        try:
            text = file.read_text(encoding="utf-8")
            result = sync_text(text, shown, register)
        except CatalogueError as error:
            failed += 1
            print(error, file=sys.stderr)
            err.print(f"[red]✗[/] {shown}: not synced")
            continue
        if result is None:
            out.print(f"{shown}: not a province of the register (unit code not listed): skipped")
            continue
        synced, changes = result
        for change in changes:
            out.print(change.describe(shown))
        if not changes:
            out.print(f"[green]✓[/] {shown} matches the register")
            continue
        changed += 1
        if not check:
            file.write_text(synced, encoding="utf-8")
            out.print(f"[green]✓[/] {shown}: {len(changes)} change(s) written")
    if failed or (check and changed):
        raise typer.Exit(1)
