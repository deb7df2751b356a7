"""Nothing a lab machine sends can leave the host: proved by inspecting routes and rules, never by
sending anything to an outside address."""

import json
import subprocess

import pytest

from lab.conftest import Lab

pytestmark = pytest.mark.lab
OUTSIDE = "192.0.2.1"  # TEST-NET-1: only looked up in routing tables, never contacted


def test_everything_off_zone_goes_to_the_lab_gateway(demo_lab: Lab) -> None:
    """The plan's network-config gives each machine a default route through its zone gateway — the
    host's bridge address, where the lab's nftables table drops what would leave the bridges."""
    for machine in demo_lab.plan.machines:
        result = demo_lab.ssh(machine.name, f"ip route get {OUTSIDE}")
        assert result.returncode == 0 and f"via {machine.gateway} dev {machine.zone}" in result.stdout, (
            f"{machine.name}: {result.stdout}{result.stderr}"
        )


def test_machines_reach_the_other_zones_through_their_gateway(demo_lab: Lab) -> None:
    lgsp = demo_lab.plan.machine("lgsp-01")
    result = demo_lab.ssh("lgsp-01", "ip route get 198.18.2.10")
    assert result.returncode == 0 and f"via {lgsp.gateway}" in result.stdout, result.stdout + result.stderr


def test_the_host_forwards_only_between_the_lab_bridges(demo_lab: Lab) -> None:
    listed = subprocess.run(
        ["nft", "-j", "list", "table", "inet", demo_lab.plan.nft_table], capture_output=True, text=True, check=True
    )
    objects = [next(iter(entry.items())) for entry in json.loads(listed.stdout)["nftables"]]
    bridges = next(value for kind, value in objects if kind == "set" and value["name"] == "bridges")
    assert sorted(bridges["elem"]) == sorted(b.name for b in demo_lab.plan.bridges)
    forward = [value for kind, value in objects if kind == "rule" and value["chain"] == "forward"]
    verdicts = [
        (json.dumps(rule["expr"]), "accept" if any("accept" in e for e in rule["expr"]) else "drop") for rule in forward
    ]
    assert verdicts[0][1] == "accept" and '"oifname"' in verdicts[0][0] and '"iifname"' in verdicts[0][0], (
        "the first forward rule must accept only bridge-to-bridge traffic"
    )
    # Then the crossings to and from another lab (a shared national peer, catalogue/lab_peer.py): each
    # accepts one address and bridge to another on one port, as the plan says, and nothing else.
    crossings = [rule for rule in forward[1:] if rule.get("comment", "").startswith("crossing: ")]
    assert len(crossings) == 2 * len(demo_lab.plan.crossings)
    for rule, expected in zip(crossings[::2], demo_lab.plan.crossings, strict=True):
        text = json.dumps(rule["expr"])
        assert all(f'"{value}"' in text for value in (expected.caller, expected.callee, expected.caller_bridge))
        assert f'"right": {expected.port}' in text and "accept" in text, text
    rest = [verdict for rule, (_, verdict) in zip(forward[1:], verdicts[1:], strict=True) if rule not in crossings]
    assert rest == ["drop", "drop"], "everything else to or from the bridges must be dropped"


def test_the_proxy_listens_only_on_the_lab_bridges(demo_lab: Lab) -> None:
    gateways = {str(bridge.gateway.ip) for bridge in demo_lab.plan.bridges}
    listening = subprocess.run(
        ["ss", "-Htlnp", f"sport = :{demo_lab.plan.proxy.port}"], capture_output=True, text=True, check=True
    )
    proxy_lines = [line for line in listening.stdout.splitlines() if "apt-cacher-ng" in line]
    addresses = {line.split()[3].rsplit(":", 1)[0] for line in proxy_lines}
    assert gateways <= addresses, f"the proxy does not listen on every lab gateway: {addresses}"
