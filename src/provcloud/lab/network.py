"""The lab's network on the host: one bridge per zone, and the nftables table that keeps it contained.

Containment has three layers:
1. the machines' only router is their zone gateway, which is the host (the plan's network-config
   routes everything off-zone through it), so every packet meets layers 2 and 3;
2. the host forwards only packets that arrive on the lab's bridges (per-bridge `forwarding`; the
   host's global `ip_forward` is left alone);
3. the lab's own nftables table drops every forwarded packet that enters or leaves one of the
   lab's bridges unless it goes bridge to bridge, and lets machines reach the host only for the
   package proxy. The one exception is named in the catalogue: labs that share a national peer
   (`national_platform.lab_peer`) let their nodes and that peer call each other's exchange port —
   those two addresses, that port, the answers back — and both labs' tables carry the same rules.
"""

import json
from pathlib import Path

from provcloud.errors import UserError
from provcloud.lab.host import run
from provcloud.lab.plan import Bridge, LabPlan


def bridge_exists(name: str) -> bool:
    return Path(f"/sys/class/net/{name}/bridge").is_dir()


def link_exists(name: str) -> bool:
    return Path(f"/sys/class/net/{name}").exists()


def bridge_ready(bridge: Bridge) -> bool:
    if not bridge_exists(bridge.name):
        return False
    shown = json.loads(run("ip", "-j", "address", "show", "dev", bridge.name).stdout or "[]")
    addresses = {
        f"{a['local']}/{a['prefixlen']}" for link in shown for a in link.get("addr_info", []) if a["family"] == "inet"
    }
    up = any("UP" in link.get("flags", []) for link in shown)
    return up and str(bridge.gateway) in addresses and _sysctl(f"net/ipv4/conf/{bridge.name}/forwarding") == "1"


def create_bridge(bridge: Bridge) -> None:
    """Create (or complete) the zone's bridge: the gateway address on the host, forwarding on it only."""
    if not bridge_exists(bridge.name):
        if link_exists(bridge.name):
            raise UserError(f"zone {bridge.zone}: {bridge.name!r} exists and is not a bridge; rename the zone's bridge")
        run("ip", "link", "add", bridge.name, "type", "bridge")
    _write_sysctl(f"net/ipv6/conf/{bridge.name}/disable_ipv6", "1")
    run("ip", "address", "replace", str(bridge.gateway), "dev", bridge.name)
    run("ip", "link", "set", bridge.name, "up")
    _write_sysctl(f"net/ipv4/conf/{bridge.name}/forwarding", "1")


def delete_bridge(name: str) -> None:
    if bridge_exists(name):
        run("ip", "link", "delete", name, "type", "bridge")


def _sysctl(key: str) -> str:
    try:
        return Path("/proc/sys", key).read_text().strip()
    except FileNotFoundError:
        return ""


def _write_sysctl(key: str, value: str) -> None:
    Path("/proc/sys", key).write_text(value)


def nft_ruleset(plan: LabPlan) -> str:
    """The lab's own table; other tables and the host's policy are untouched."""
    bridges = ", ".join(f'"{bridge.name}"' for bridge in plan.bridges)
    gateways = ", ".join(str(bridge.gateway.ip) for bridge in plan.bridges)
    return f"""\
table inet {plan.nft_table} {{
\tcomment "provcloud lab {plan.slug}: keeps its machines' traffic inside the host"
\tset bridges {{
\t\ttype ifname
\t\telements = {{ {bridges} }}
\t}}

\tchain forward {{
\t\ttype filter hook forward priority filter - 10; policy accept;
\t\tiifname @bridges oifname @bridges accept comment "between the lab's own zones"
{_crossing_rules(plan)}\t\tiifname @bridges counter drop comment "containment: nothing from the lab leaves the host"
\t\toifname @bridges counter drop comment "containment: nothing from outside reaches the lab"
\t}}

\tchain input {{
\t\ttype filter hook input priority filter - 10; policy accept;
\t\tiifname @bridges ct state established,related accept
\t\tiifname @bridges ip daddr {{ {gateways} }} tcp dport {plan.proxy.port} accept comment "the package proxy"
\t\tiifname @bridges icmp type echo-request accept
\t\tiifname @bridges counter drop comment "machines reach the host only for the package proxy"
\t}}
}}
"""


def _crossing_rules(plan: LabPlan) -> str:
    """Each crossing to or from another lab: new connections one way, the answers back."""
    rules = []
    for crossing in plan.crossings:
        way = f'iifname "{crossing.caller_bridge}" oifname "{crossing.callee_bridge}"'
        back = f'iifname "{crossing.callee_bridge}" oifname "{crossing.caller_bridge}"'
        caller, callee, port = crossing.caller, crossing.callee, crossing.port
        rules.append(
            f'\t\t{way} ip saddr {caller} ip daddr {callee} tcp dport {port} accept comment "crossing: {crossing.what}"'
        )
        rules.append(
            f"\t\t{back} ip saddr {callee} ip daddr {caller} tcp sport {port} ct state established accept "
            f'comment "crossing: answers to {crossing.what}"'
        )
    return "".join(rule + "\n" for rule in rules)


def nft_table_exists(name: str) -> bool:
    return run("nft", "list", "table", "inet", name, check=False).returncode == 0


def nft_table_matches(plan: LabPlan) -> bool:
    """The loaded table has the planned rules (nft prints its own normal form, so compare rule sets loosely)."""
    listed = run("nft", "list", "table", "inet", plan.nft_table, check=False)
    if listed.returncode != 0:
        return False
    return (
        all(f'"{bridge.name}"' in listed.stdout or bridge.name in listed.stdout for bridge in plan.bridges)
        and "containment: nothing from the lab leaves the host" in listed.stdout
        and listed.stdout.count("crossing: ") == 2 * len(plan.crossings)
    )


def load_nft_table(plan: LabPlan) -> None:
    """Replace the table atomically: one nft transaction that deletes the old one and adds the new."""
    script = nft_ruleset(plan)
    if nft_table_exists(plan.nft_table):
        script = f"delete table inet {plan.nft_table}\n" + script
    run("nft", "-f", "-", input_text=script)


def delete_nft_table(name: str) -> None:
    if nft_table_exists(name):
        run("nft", "delete", "table", "inet", name)
