"""`provcloud new-province`: scaffold a province's files from templates."""

from ipaddress import IPv4Network
from pathlib import Path
from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError

from provcloud.catalogue import CatalogueError
from provcloud.catalogue.base import OrgCode
from provcloud.catalogue.hosted import hosting_providers
from provcloud.catalogue.slug import is_dns_label
from provcloud.commands.validate import load_catalogue
from provcloud.console import out
from provcloud.errors import UserError
from provcloud.project import display_path, project_root, templates_dir
from provcloud.register.catalogue import generated_files
from provcloud.register.source import active_register
from provcloud.scaffold import NewProvince, scaffold, write_files


def new_province(
    slug: Annotated[str | None, typer.Argument(help="Short ASCII name, e.g. `hue` (not with --from-register).")] = None,
    name: Annotated[str | None, typer.Option(help="Vietnamese name with diacritics, e.g. `Thành phố Huế`.")] = None,
    admin_unit_code: Annotated[
        str | None, typer.Option(help="2-digit administrative-unit code (Decision 19/2025).")
    ] = None,
    org_code: Annotated[
        str | None, typer.Option(help="The People's Committee's identifier code, e.g. `000.00.00.H57`.")
    ] = None,
    network: Annotated[
        str,
        typer.Option(help="Address block for the zones (lower half) and tenant egress (upper half), /21 or larger."),
    ] = "10.0.0.0/16",
    from_register: Annotated[
        str | None,
        typer.Option(
            "--from-register",
            metavar="CODE",
            help="Province code (e.g. 48): its real name, code and every commune and ward from the official register.",
        ),
    ] = None,
) -> None:
    """Scaffold provinces/<slug>.yml (and the province's other files) ready to edit; never overwrites."""
    if from_register is not None:
        if slug or name or admin_unit_code or org_code:
            raise UserError("--from-register takes the slug, name and codes from the register: give none of them")
        slug, written = _from_register(from_register)
    else:
        if not (slug and name and admin_unit_code and org_code):
            raise UserError("give SLUG, --name, --admin-unit-code and --org-code (or --from-register CODE)")
        written = _scaffolded(slug, name, admin_unit_code, org_code, network)
    for path in written:
        out.print(f"created {display_path(path)}")
    catalogue = project_root() / "provinces" / f"{slug}.yml"
    try:
        load_catalogue(catalogue)
    except CatalogueError as error:  # a template bug, not the user's: say so plainly
        raise UserError(f"the scaffolded catalogue does not validate:\n{error}") from None
    out.print(f"[green]✓[/] {display_path(catalogue)} validates; edit it, then run `provcloud validate {slug}`")


def _from_register(code: str) -> tuple[str, list[Path]]:
    register = active_register()
    province = register.province(code)
    provider = hosting_providers(project_root() / "providers").get(province.slug)
    files = [
        (project_root() / target, text)
        for target, text in generated_files(province, templates_dir(), register.source, provider)
    ]
    existing = [target for target, _ in files if target.exists()]
    if existing:
        raise UserError(f"refusing to overwrite: {', '.join(str(display_path(p)) for p in existing)}")
    write_files(files)
    return province.slug, [target for target, _ in files]


def _scaffolded(slug: str, name: str, admin_unit_code: str, org_code: str, network: str) -> list[Path]:
    if not is_dns_label(slug):
        raise UserError(f"slug {slug!r}: use lowercase letters, digits and '-' (a DNS label)")
    if not (len(admin_unit_code) == 2 and admin_unit_code.isdigit()):
        raise UserError(f"--admin-unit-code {admin_unit_code!r}: two digits, e.g. 48")
    try:
        TypeAdapter(OrgCode).validate_python(org_code)
        block = IPv4Network(network)
    except (ValidationError, ValueError) as error:
        raise UserError(f"--org-code/--network: {str(error).splitlines()[-1].strip()}") from None
    if block.prefixlen > 21:
        raise UserError(f"--network {network}: needs a /21 or larger block")
    return scaffold(templates_dir(), project_root(), NewProvince(slug, name, admin_unit_code, org_code, block))
