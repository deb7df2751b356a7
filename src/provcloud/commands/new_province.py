"""`provcloud new-province`: scaffold a province's files from templates."""

from ipaddress import IPv4Network
from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError

from provcloud.catalogue import CatalogueError
from provcloud.catalogue.base import OrgCode
from provcloud.catalogue.slug import is_dns_label
from provcloud.commands.validate import load_catalogue
from provcloud.console import out
from provcloud.errors import UserError
from provcloud.project import display_path, project_root, templates_dir
from provcloud.scaffold import NewProvince, scaffold


def new_province(
    slug: Annotated[str, typer.Argument(help="Short ASCII name, e.g. `hue`.")],
    name: Annotated[str, typer.Option(help="Vietnamese name with diacritics, e.g. `Thành phố Huế`.")],
    admin_unit_code: Annotated[str, typer.Option(help="2-digit administrative-unit code (Decision 19/2025).")],
    org_code: Annotated[str, typer.Option(help="The People's Committee's identifier code, e.g. `000.00.00.H57`.")],
    network: Annotated[
        str,
        typer.Option(help="Address block for the zones (lower half) and tenant egress (upper half), /21 or larger."),
    ] = "10.0.0.0/16",
) -> None:
    """Scaffold provinces/<slug>.yml (and the province's other files) ready to edit; never overwrites."""
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
    written = scaffold(templates_dir(), project_root(), NewProvince(slug, name, admin_unit_code, org_code, block))
    for path in written:
        out.print(f"created {display_path(path)}")
    catalogue = project_root() / "provinces" / f"{slug}.yml"
    try:
        load_catalogue(catalogue)
    except CatalogueError as error:  # a template bug, not the user's: say so plainly
        raise UserError(f"the scaffolded catalogue does not validate:\n{error}") from None
    out.print(f"[green]✓[/] {display_path(catalogue)} validates; edit it, then run `provcloud validate {slug}`")
