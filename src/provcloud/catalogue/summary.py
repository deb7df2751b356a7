"""A province at a glance: agencies by kind, tier and security level; machines and virtual IPs by zone;
the redundancy waivers in force, with who approved them and until when."""

from collections import Counter

from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table

from provcloud.catalogue.province import Province


def _count_table(title: str, heading: str, counts: Counter[str]) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False)
    table.add_column(heading)
    table.add_column("n", justify="right")
    for key, n in sorted(counts.items()):
        table.add_row(key, str(n))
    return table


def province_summary(province: Province) -> RenderableType:
    agencies = province.agencies
    machines = Table(title="service machines by zone", title_justify="left", show_edge=False)
    for column in ("zone", "machine", "role", "address"):
        machines.add_column(column)
    rows = [(m.zone, m.ip, m.name, m.role.value) for m in province.service_machines]
    rows += [
        (pair[0].zone, virtual_ip.ip, "(virtual IP)", role.value)
        for role, virtual_ip in province.virtual_ips.items()
        if (pair := province.machines_with_role(role))
    ]
    for zone, ip, name, role_name in sorted(rows):
        machines.add_row(zone, name, role_name, str(ip))
    tables = Columns(
        [
            _count_table("agencies by kind", "kind", Counter(a.kind.value for a in agencies)),
            _count_table("by tier", "tier", Counter(a.tier for a in agencies)),
            _count_table(
                "by security level",
                "level",
                Counter(f"level {province.level_of(a)}" for a in agencies),
            ),
        ],
        padding=(0, 4),
    )
    title = (
        f"[bold]{province.slug}[/] — {province.name} · unit {province.admin_unit_code} · "
        f"{province.org_code} · {len(agencies)} agencies · {len(province.service_machines)} service machines"
    )
    parts: list[RenderableType] = [tables, "", machines]
    if province.redundancy_waivers:
        parts += ["", _waivers(province)]
    return Panel(Group(*parts), title=title, title_align="left")


def _waivers(province: Province) -> Table:
    table = Table(title="redundancy waivers", title_justify="left", show_edge=False)
    for column in ("role", "until", "approved by", "reason"):
        table.add_column(column)
    for role, waiver in sorted(province.redundancy_waivers.items(), key=lambda item: item[1].until):
        table.add_row(role.value, str(waiver.until), waiver.approved_by, waiver.reason)
    return table
