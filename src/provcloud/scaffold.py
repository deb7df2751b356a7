"""Scaffold a new province from the Jinja2 tree in `templates/new-province/`.

Every file below that folder is rendered to the same relative path in the project, with its name
rendered too (`provinces/{{ slug }}.yml.j2` → `provinces/hue.yml`). Later parts of provcloud add
their files (stack config, inventory) by adding templates, not code.
"""

from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import jinja2

from provcloud.errors import UserError

TEMPLATE_SUFFIX = ".j2"
# The province file of the tree (other trees may render it from their own template).
CATALOGUE_TEMPLATE = "provinces/{{ slug }}.yml.j2"


@dataclass(frozen=True)
class NewProvince:
    slug: str
    name: str
    admin_unit_code: str
    org_code: str
    network: IPv4Network

    def context(self) -> dict[str, Any]:
        # Zones take the first /24s of the lower half; tenant egress is the upper half.
        lower, upper = self.network.subnets(prefixlen_diff=1)
        subnets = list(lower.subnets(new_prefix=24))
        zones = {
            zone: {
                "cidr": str(subnets[i]),
                "gateway": str(subnets[i].network_address + 1),
                "vlan": 110 + 10 * i,
            }
            for i, zone in enumerate(("dmz", "app", "data", "mgmt"))
        }
        return {
            "slug": self.slug,
            "name": self.name,
            "admin_unit_code": self.admin_unit_code,
            "org_code": self.org_code,
            "level1": self.org_code.rsplit(".", 1)[-1],
            "zones": zones,
            "tenant_egress": str(upper),
        }


def render_tree(
    template_root: Path, context: dict[str, Any], catalogue_template: str | None = None
) -> list[tuple[Path, str]]:
    """Every file of the tree as (path relative to the project, text). `catalogue_template` (relative
    to `template_root`) renders the province file instead of the tree's own."""
    tree = template_root / "new-province"
    if not tree.is_dir():
        raise UserError(f"{tree}: the scaffolding templates are missing")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([tree, template_root]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    rendered: list[tuple[Path, str]] = []
    for template in sorted(tree.rglob(f"*{TEMPLATE_SUFFIX}")):
        relative = template.relative_to(tree).as_posix()
        source = relative
        if catalogue_template and relative == CATALOGUE_TEMPLATE:
            source = catalogue_template
        target = Path(env.from_string(relative.removesuffix(TEMPLATE_SUFFIX)).render(context))
        rendered.append((target, env.get_template(source).render(context)))
    return rendered


def scaffold(template_root: Path, project_root: Path, province: NewProvince) -> list[Path]:
    """Render every template; refuses (writing nothing) if any target already exists."""
    planned = [(project_root / target, text) for target, text in render_tree(template_root, province.context())]
    existing = [target for target, _ in planned if target.exists()]
    if existing:
        raise UserError(f"refusing to overwrite: {', '.join(str(p) for p in existing)}")
    write_files(planned)
    return [target for target, _ in planned]


def write_files(files: list[tuple[Path, str]]) -> None:
    for target, text in files:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
