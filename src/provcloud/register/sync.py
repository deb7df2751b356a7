"""`provcloud register sync`: bring a catalogue's commune-level units in step with the register.

Only register-owned lines change: the name and kind of a unit the register renamed or re-kinded,
the block of a unit it no longer has, a new block for a unit it added. Everything else of the file
(tiers, systems, services, comments, hand-written agencies) stays byte for byte, so the change is a
reviewable diff. Units are matched by their official code, which the register never reuses.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from provcloud.catalogue.checks import COMMUNE_LEVEL
from provcloud.catalogue.loader import load_province
from provcloud.catalogue.yaml_source import DuplicateKey, parse
from provcloud.register.catalogue import PlacedWard, place_wards, ward_block, yaml_text
from provcloud.register.source import Register

_COMMUNE_NUMBER = re.compile(r"^000\.00\.([0-9]{2,3})\.")


@dataclass(frozen=True)
class Change:
    """One difference between the catalogue and the register, as reported to the user."""

    what: str
    """`renamed`, `kind`, `added` or `removed`."""
    code: str
    before: str
    after: str
    line: int
    """Line of the catalogue it concerns (before the change; for an addition, where it goes)."""

    def describe(self, file: Path) -> str:
        if self.what == "added":
            return f"{file}:{self.line}: added {self.code} {self.after}"
        if self.what == "removed":
            return f"{file}:{self.line}: removed {self.code} {self.before} (no longer in the register)"
        return f"{file}:{self.line}: {self.code} {self.what}: {self.before} → {self.after}"


@dataclass(frozen=True)
class _Unit:
    """A commune-level agency of the file: its fields' nodes and the lines of its block."""

    code: str
    name: ScalarNode
    kind: ScalarNode
    slug: str
    org_code: str
    first_line: int
    end_line: int  # exclusive


def sync_text(text: str, file: Path, register: Register) -> tuple[str, list[Change]] | None:
    """The catalogue text with its commune-level units as the register has them, and the changes;
    None for a province the register does not have (the demo). Raises CatalogueError if the file
    does not parse, or the result does not validate."""
    try:
        data, root = parse(text)
    except (yaml.MarkedYAMLError, DuplicateKey):
        load_province(file, text)  # raises the located error
        raise
    if not isinstance(data, dict) or str(data.get("admin_unit_code")) not in register.provinces:
        return None
    province = register.provinces[str(data["admin_unit_code"])]
    level1 = str(data.get("org_code", "")).rsplit(".", 1)[-1]
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    units, all_slugs, insert_at = _units(root, lines)
    replaced: dict[int, str] = {}
    removed: set[int] = set()
    changes: list[Change] = []
    for unit in units:
        ward = province.ward(unit.code)
        if ward is None:
            changes.append(Change("removed", unit.code, unit.name.value, "", unit.first_line + 1))
            removed.update(range(unit.first_line, unit.end_line))
            continue
        if unit.name.value != ward.name:
            replaced[unit.name.start_mark.line] = _replace(replaced, lines, unit.name, yaml_text(ward.name))
            changes.append(Change("renamed", unit.code, unit.name.value, ward.name, unit.name.start_mark.line + 1))
        if unit.kind.value != ward.kind:
            replaced[unit.kind.start_mark.line] = _replace(replaced, lines, unit.kind, str(ward.kind))
            changes.append(Change("kind", unit.code, unit.kind.value, str(ward.kind), unit.kind.start_mark.line + 1))
    present = {unit.code for unit in units}
    added = ""
    missing = [w for w in province.wards if w.code not in present]
    if missing:
        # Slugs as generation gives them; one taken by another agency of the file gets the code.
        taken = all_slugs - {u.slug for u in units}
        slug_of = {p.ward.code: p.slug for p in place_wards(province.wards, taken)}
        last = max((_number(u.org_code) for u in units), default=0)
        for number, ward in enumerate(missing, start=last + 1):
            added += ward_block(PlacedWard(ward, slug_of[ward.code], number), level1) + "\n"
            changes.append(Change("added", ward.code, "", ward.name, insert_at + 1))
    if not changes:
        return text, []
    result: list[str] = []
    for number, line in enumerate(lines):
        if number == insert_at:
            result.append(added)
        if number not in removed:
            result.append(replaced.get(number, line))
    if insert_at >= len(lines):
        result.append(added)
    synced = "".join(result)
    load_province(file, synced)  # nothing is written unless the result validates
    return synced, sorted(changes, key=lambda c: (c.line, c.code))


def _replace(replaced: dict[int, str], lines: list[str], node: ScalarNode, value: str) -> str:
    """The node's line with its scalar replaced by `value` (the rest of the line, comments too, kept)."""
    line = replaced.get(node.start_mark.line, lines[node.start_mark.line])
    return line[: node.start_mark.column] + value + line[node.end_mark.column :]


def _number(org_code: str) -> int:
    match = _COMMUNE_NUMBER.match(org_code)
    return int(match.group(1)) if match else 0


def _units(root: Node | None, lines: list[str]) -> tuple[list[_Unit], set[str], int]:
    """The commune-level units of the file, every slug in it, and the line new units go before."""
    agencies = _value(root, "agencies") if root is not None else None
    if not isinstance(agencies, SequenceNode):
        return [], set(), len(lines)
    units: list[_Unit] = []
    slugs: set[str] = set()
    insert_at = _block_end(lines, agencies.value[-1]) if agencies.value else len(lines)
    for item in agencies.value:
        if not isinstance(item, MappingNode):
            continue
        fields = {k.value: v for k, v in item.value if isinstance(k, ScalarNode)}
        slug = fields.get("slug")
        if isinstance(slug, ScalarNode):
            slugs.add(slug.value)
        kind, name, code = fields.get("kind"), fields.get("name"), fields.get("admin_unit_code")
        if not (isinstance(kind, ScalarNode) and isinstance(name, ScalarNode) and isinstance(code, ScalarNode)):
            continue
        if kind.value not in {str(k) for k in COMMUNE_LEVEL}:
            continue
        org = fields.get("org_code")
        end = _block_end(lines, item)
        units.append(
            _Unit(
                code.value,
                name,
                kind,
                slug.value if isinstance(slug, ScalarNode) else "",
                org.value if isinstance(org, ScalarNode) else "",
                item.start_mark.line,
                end,
            )
        )
        insert_at = end
    return units, slugs, insert_at


def _value(mapping: Node, key: str) -> Node | None:
    if isinstance(mapping, MappingNode):
        return next((v for k, v in mapping.value if isinstance(k, ScalarNode) and k.value == key), None)
    return None


def _block_end(lines: list[str], item: Node) -> int:
    """The line after a sequence item's block: its own lines are indented past its dash; blank and
    comment lines after it belong to what follows."""
    dash_column = item.start_mark.column - 2
    end = item.start_mark.line + 1
    for number in range(item.start_mark.line + 1, len(lines)):
        stripped = lines[number].strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(lines[number]) - len(lines[number].lstrip(" ")) <= dash_column:
            break
        end = number + 1
    return end
