"""Province catalogues from the register: the rendering of a province and of one commune-level
unit, shared by `new-province --from-register`, `register generate` and `register sync`."""

from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import yaml

from provcloud.catalogue.slug import slugify
from provcloud.errors import UserError
from provcloud.register.source import RegisterProvince, RegisterWard
from provcloud.scaffold import NewProvince, render_tree

TEMPLATE = "register/province.yml.j2"
LEVEL1_CODES = "register/level1-codes.yml"
# The first line of every generated catalogue: `register generate` rewrites only such files.
GENERATED_MARK = "generated from the official register by `provcloud register generate`"
# Comments on register-owned lines: `register sync` rewrites these lines and no other.
REGISTER_MARK = "# register"
ILLUSTRATIVE_MARK = "# illustrative"


def province_network(province: RegisterProvince) -> IPv4Network:
    """The address plan's block: 10.<province code>.0.0/16. Province codes are unique and below 100,
    so no two provinces' plans overlap (the demo lab keeps 198.18.0.0/15)."""
    return IPv4Network(f"10.{int(province.code)}.0.0/16")


def level1_codes(templates: Path) -> dict[str, str]:
    file = templates / LEVEL1_CODES
    try:
        codes = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise UserError(f"{file}: cannot read the level-1 codes: {error}") from None
    return {str(code): str(level1) for code, level1 in codes.items()}


@dataclass(frozen=True)
class PlacedWard:
    """A commune-level unit as the catalogue holds it: its slug and its illustrative number."""

    ward: RegisterWard
    slug: str
    number: int


def place_wards(wards: tuple[RegisterWard, ...], taken: set[str] | None = None) -> list[PlacedWard]:
    """Slugs from names; where two units of a province share a slug (Xã Vân Lang, Xã Văn Lang),
    each gets its official code appended, which never changes."""
    slugs = [slugify(w.name) for w in wards]
    clashing = {s for s in slugs if slugs.count(s) > 1} | (taken or set())
    return [
        PlacedWard(ward, f"{slug}-{ward.code}" if slug in clashing else slug, number)
        for number, (ward, slug) in enumerate(zip(wards, slugs, strict=True), start=1)
    ]


def yaml_text(value: str) -> str:
    """A plain YAML scalar where that reads back as the same string, else a quoted one."""
    try:
        plain = yaml.safe_load(f"k: {value}") == {"k": value}
    except yaml.YAMLError:
        plain = False
    return value if plain else "'" + value.replace("'", "''") + "'"


def ward_block(placed: PlacedWard, level1: str) -> str:
    """The lines of one commune-level unit; name, kind and code are the register's."""
    ward = placed.ward
    return (
        f"  - name: {yaml_text(ward.name)}   {REGISTER_MARK}\n"
        f"    slug: {placed.slug}\n"
        f"    org_code: 000.00.{placed.number:02d}.{level1}   {ILLUSTRATIVE_MARK}\n"
        f"    kind: {ward.kind}   {REGISTER_MARK}\n"
        f'    admin_unit_code: "{ward.code}"   {REGISTER_MARK}: official code\n'
        f"    tier: small"
    )


def register_context(
    province: RegisterProvince, templates: Path, source: str, provider: str | None = None
) -> dict[str, Any]:
    """The template context of a province generated from the register; `provider`: the provider that
    hosts it (`hosting:` instead of its own `platform:`), as providers/ says (hosting_providers)."""
    level1 = level1_codes(templates).get(province.code)
    if level1 is None:
        raise UserError(f"{templates / LEVEL1_CODES}: no level-1 code for province {province.code} ({province.name})")
    base = NewProvince(province.slug, province.name, province.code, f"000.00.00.{level1}", province_network(province))
    wards = place_wards(province.wards)

    def host(zone: dict[str, str], number: int) -> str:
        return str(IPv4Network(zone["cidr"]).network_address + number)

    return {
        **base.context(),
        "source": source,
        "provider": provider,
        "unit_word": "thành phố" if province.city else "tỉnh",
        "wards": wards,
        "ward_block": lambda placed: ward_block(placed, level1),
        "host": host,
    }


def generated_files(
    province: RegisterProvince, templates: Path, source: str, provider: str | None = None
) -> list[tuple[Path, str]]:
    """The province's files (catalogue, stack config, inventory) relative to the project."""
    return render_tree(templates, register_context(province, templates, source, provider), TEMPLATE)


def is_generated(file: Path) -> bool:
    """A catalogue `register generate` wrote (and may rewrite), not a hand-written one."""
    try:
        with file.open(encoding="utf-8") as text:
            return any(GENERATED_MARK in next(text, "") for _ in range(2))
    except OSError:
        return False
