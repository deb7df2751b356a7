"""A province's topology picture: its zones with their service machines and addresses, the virtual
address a redundant pair answers on, its tenants counted per kind (grouped: a province of 168 wards
draws one box per kind, never one per commune), the LGSP node(s) and the national link. Graphviz lays
it out (`dot`, through the `graphviz` binding); the result is one SVG with no external reference, so it
can be embedded in the report or opened as a file."""

import shutil
from html import escape
from pathlib import Path

import graphviz

from provcloud.catalogue.province import Province
from provcloud.country.profile import ProvinceProfile, province_profile
from provcloud.country.result import OWN_CLUSTER
from provcloud.errors import UserError
from provcloud.plan.model import Plan

TOPOLOGY_FILE = "topology.svg"
"""What `provcloud plan --out DIR` names the picture in DIR."""

ZONE_COLOURS = {"dmz": "#fde2e1", "app": "#e1ecfd", "data": "#e6f5e1", "mgmt": "#f1e6fa"}
"""Background of each required zone; another zone is grey."""
ROLE_NAMES = {
    "lgsp_node": "LGSP node",
    "docsystem_app": "document system",
    "docsystem_db": "document database",
    "backup": "backup",
    "national_peer": "national stand-in (lab)",
}
KIND_NAMES = {
    "department": "departments",
    "people_committee_office": "People's Committee office",
    "inspectorate": "inspectorate",
    "council": "People's Council",
    "commune": "communes",
    "ward": "wards",
    "public_service_unit": "public service units",
}
FONT = "Helvetica,Arial,sans-serif"
_ZONE_ORDER = {zone: index for index, zone in enumerate(ZONE_COLOURS)}


def _graph(slug: str, host: str, profile: ProvinceProfile) -> graphviz.Digraph:
    graph = graphviz.Digraph(name=slug, engine="dot")
    hosted = f" — hosted on {host}" if host != OWN_CLUSTER else ""
    graph.attr(
        label=f"{profile.name} ({slug}){hosted}",
        labelloc="t",
        fontname=FONT,
        fontsize="18",
        rankdir="LR",
        compound="true",
        nodesep="0.25",
        ranksep="0.7",
        id=f"topology-{slug}",
    )
    graph.attr("node", shape="box", style="rounded,filled", fillcolor="white", fontname=FONT, fontsize="11")
    graph.attr("edge", fontname=FONT, fontsize="10", color="#555555")

    # One box for every tenant, a line per kind: readable at 168 wards as at 5.
    total = sum(profile.tenants_by_kind.values())
    rows = "".join(
        f'<tr><td align="left">{escape(KIND_NAMES.get(kind, kind))}</td><td align="right">{count}</td></tr>'
        for kind, count in profile.tenants_by_kind.items()
    )
    graph.node(
        "tenants",
        f'<<table border="0" cellspacing="2"><tr><td colspan="2"><b>tenants: {total}</b></td></tr>{rows}</table>>',
        id="tenants",
        fillcolor="#fff8dc",
    )
    for zone, cidr in sorted(profile.zones.items(), key=lambda item: _ZONE_ORDER.get(item[0], len(_ZONE_ORDER))):
        with graph.subgraph(name=f"cluster_zone_{zone}") as box:
            colour = ZONE_COLOURS.get(zone, "#eeeeee")
            box.attr(label=f"zone {zone} {cidr}", style="rounded,filled", fillcolor=colour, id=f"zone-{zone}")
            for machine in (m for m in profile.machines if m.zone == zone):
                box.node(
                    f"machine-{machine.name}",
                    "\n".join(
                        (
                            machine.name,
                            ROLE_NAMES.get(machine.role, machine.role),
                            machine.ip,
                            f"level {machine.security_level}",
                        )
                    ),
                    id=f"machine-{machine.name}",
                    penwidth="2" if machine.role == "lgsp_node" else "1",
                )
            for role, ip in profile.virtual_ips.items():
                machines = profile.machines_of(role)
                if machines and machines[0].zone == zone:
                    box.node(f"vip-{role}", f"virtual IP\n{ip}", id=f"vip-{role}", shape="ellipse", style="dashed")
                    for machine in machines:
                        box.edge(f"vip-{role}", f"machine-{machine.name}", style="dashed", arrowhead="none")
    graph.node(
        "national",
        f"{profile.national_platform}\n{profile.national_endpoint}",
        id="national",
        shape="doubleoctagon",
        fillcolor="#e8f4f8",
    )
    lgsp = profile.machines_of("lgsp_node")
    front = ["vip-lgsp_node"] if "lgsp_node" in profile.virtual_ips else [f"machine-{m.name}" for m in lgsp]
    for node in front:
        graph.edge("tenants", node, label="shared services")
        graph.edge(node, "national", label="national link (mTLS)", id=f"national-link-{node}")
    # What the common services ask of each other: documents through the LGSP node, their database,
    # its backups.
    for source, target, label in (
        ("lgsp_node", "docsystem_app", "documents"),
        ("docsystem_app", "docsystem_db", "database"),
        ("backup", "docsystem_db", "backups"),
    ):
        if profile.machines_of(source) and profile.machines_of(target):
            graph.edge(
                _front(profile, source), _front(profile, target), label=label, style="dotted", constraint="false"
            )
    return graph


def _front(profile: ProvinceProfile, role: str) -> str:
    """Where a role is reached: its virtual IP, else its first machine."""
    return f"vip-{role}" if role in profile.virtual_ips else f"machine-{profile.machines_of(role)[0].name}"


def topology_svg(slug: str, host: str, profile: ProvinceProfile) -> str:
    """The picture as SVG text; a UserError when Graphviz's `dot` is not installed."""
    if shutil.which("dot") is None:
        raise UserError(
            "Graphviz's `dot` is not installed: run `make system-packages` as root (Debian package graphviz)"
        )
    svg: bytes = _graph(slug, host, profile).pipe(format="svg")
    text = svg.decode("utf-8")
    return text[text.index("<svg") :]  # without the XML declaration and doctype: it is embedded inline


def province_picture(province: Province, plan: Plan, catalogue: Path, root: Path) -> str:
    """The picture of a province just planned (`provcloud plan --out`), drawn as the report draws it."""
    host = province.hosting.provider if province.hosting else OWN_CLUSTER
    return topology_svg(province.slug, host, province_profile(province, plan, catalogue, root / "policies"))
