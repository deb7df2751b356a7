"""The lab's plan, read from the catalogue (no root needed): addresses, routes, names, containment."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT
from provcloud.catalogue import load_province
from provcloud.catalogue.lab_peer import peer_group
from provcloud.errors import UserError
from provcloud.lab import host
from provcloud.lab.dev_province import write_dev_copy
from provcloud.lab.machine import hosts_template, nspawn_command, seed
from provcloud.lab.mirror import Mirror
from provcloud.lab.network import nft_ruleset
from provcloud.lab.plan import ADMIN_USER, plan_lab
from provcloud.lab.proxy import proxy_config
from provcloud.platform.service_vm import PLATFORM_NAMESPACES, virtual_machine

DEMO = load_province(ROOT / "provinces" / "demo.yml")


def dev_copy(tmp_path: Path, slug: str, zone_base: int) -> Path:
    """A private copy of demo with another slug, bridges and addresses, as docs/lab.md describes."""
    return write_dev_copy(ROOT / "provinces" / "demo.yml", tmp_path, slug, slug, zone_base, national_third=254)


def test_every_machine_is_seeded_with_the_plans_own_cloud_init() -> None:
    """The seed is what the platform stack gives the machine's VirtualMachine: the same user-data
    (with the lab's key as admin key) and byte for byte the same network-config, MAC included."""
    plan = plan_lab(DEMO)
    declared = [entry for entry in DEMO.service_machines if entry.role in PLATFORM_NAMESPACES]
    assert len(declared) == 4, "the demo declares four VMs"
    for entry in declared:
        vm = virtual_machine(DEMO, entry, ADMIN_USER, ("ssh-ed25519 AAAAlab lab",))
        disk = next(v["cloudInitNoCloud"] for v in vm["spec"]["template"]["spec"]["volumes"] if "cloudInitNoCloud" in v)
        files = seed(DEMO, entry, "ssh-ed25519 AAAAlab lab\n")
        assert files["user-data"] == disk["userData"], entry.name
        assert files["network-config"] == disk["networkData"], entry.name
        machine = plan.machine(entry.name)
        assert f"addresses: [{machine.address}]" in files["network-config"]
        assert f"via: {machine.gateway}" in files["network-config"]
        interface = vm["spec"]["template"]["spec"]["domain"]["devices"]["interfaces"][0]
        assert f'macaddress: "{interface["macAddress"]}"' in files["network-config"]


def test_bridges_carry_the_zone_gateways() -> None:
    plan = plan_lab(DEMO)
    assert {(b.name, str(b.gateway)) for b in plan.bridges} == {
        (zone.bridge, f"{zone.gateway}/{zone.cidr.prefixlen}") for zone in DEMO.network.zones.values()
    }


def test_names_come_from_the_catalogue() -> None:
    plan = plan_lab(DEMO)
    hosts = hosts_template(plan, "## template:jinja\n127.0.0.1 localhost\n")
    assert hosts.startswith("## template:jinja\n127.0.0.1 localhost\n"), "cloud-init's own template is kept"
    assert "\n198.18.0.10 lgsp-01.demo.provcloud.test lgsp-01 lgsp.demo.provcloud.test\n" in hosts
    assert "\n198.19.255.10 ndxp-peer.demo.provcloud.test ndxp-peer ndxp.national.test\n" in hosts


def test_the_proxy_is_the_catalogue_one_and_listens_only_on_the_bridges() -> None:
    plan = plan_lab(DEMO)
    assert plan.proxy.url == "http://198.18.3.1:3142"
    config = proxy_config(
        "demo", plan.proxy, Mirror("http://deb.debian.org/debian/", "http://deb.debian.org/debian-security/")
    )
    acng = config["acng.conf"]
    assert "BindAddress: 198.18.0.1 198.18.1.1 198.18.2.1 198.18.3.1 198.18.4.1 198.19.255.1\n" in acng
    assert "ForceManaged: 1" in acng, "the proxy must only serve the Debian archive, not any URL"
    assert "PassThroughPattern: ^$" in acng, "the proxy must not open CONNECT tunnels"
    assert config["backends_debian"] == "http://deb.debian.org/debian/\n"


def test_a_proxy_that_is_not_a_gateway_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "demo.yml"
    path.write_text(
        (ROOT / "provinces" / "demo.yml")
        .read_text()
        .replace("apt_proxy: http://198.18.3.1:3142", "apt_proxy: http://10.9.9.9:3142")
    )
    with pytest.raises(UserError, match=r"platform.apt_proxy http://10.9.9.9:3142/?: .* zone gateway"):
        plan_lab(load_province(path))


def test_the_firewall_forwards_only_between_the_lab_bridges() -> None:
    plan = plan_lab(DEMO)
    rules = nft_ruleset(plan)
    assert f"table inet {plan.nft_table}" in rules
    assert 'elements = { "demo-dmz", "demo-app", "demo-data", "demo-mgmt", "demo-tnt", "demo-ndxp" }' in rules
    forward = rules.split("chain forward", 1)[1].split("}", 1)[0]
    assert "iifname @bridges oifname @bridges accept" in forward
    assert "iifname @bridges counter drop" in forward and "oifname @bridges counter drop" in forward


def test_labs_of_two_provinces_share_nothing(tmp_path: Path) -> None:
    demo, rdev = plan_lab(DEMO), plan_lab(load_province(dev_copy(tmp_path, "rdev", 16)))
    assert demo.nft_table != rdev.nft_table
    assert not {b.name for b in demo.bridges} & {b.name for b in rdev.bridges}
    assert not {m.unit for m in demo.machines} & {m.unit for m in rdev.machines}
    assert not {m.address.ip for m in demo.machines} & {m.address.ip for m in rdev.machines}
    assert nspawn_command("rdev", rdev.machines[0])[6:8] == ["--machine=rdev-lgsp-01", "--hostname=lgsp-01"]


def test_without_root_the_lab_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(UserError, match=r"provcloud lab needs root"):
        host.check_host()


def test_missing_tools_are_named_with_their_debian_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(
        shutil, "which", lambda command: None if command in ("systemd-nspawn", "debootstrap") else "/usr/bin/x"
    )
    with pytest.raises(
        UserError, match=r"needs systemd-nspawn, debootstrap: .*apt-get install debootstrap systemd-container"
    ):
        host.check_host()


def test_labs_that_share_a_national_peer_cross_only_between_the_nodes_and_the_peer_on_the_exchange_port() -> None:
    """Both tables carry the same crossings, each of one address and bridge to another on 8480 and
    the answers back; nft itself judges the ruleset when it is on this machine."""
    plans = {}
    for slug in ("demo", "demo2"):
        file = ROOT / "provinces" / f"{slug}.yml"
        province = load_province(file)
        plans[slug] = plan_lab(province, peer_group(province, file))
    assert plans["demo"].crossings == plans["demo2"].crossings
    assert {
        (str(c.caller), c.caller_bridge, str(c.callee), c.callee_bridge, c.port) for c in plans["demo"].crossings
    } == {
        ("198.18.24.10", "demo2-dmz", "198.19.255.10", "demo-ndxp", 8480),
        ("198.19.255.10", "demo-ndxp", "198.18.24.10", "demo2-dmz", 8480),
    }
    rules = nft_ruleset(plans["demo2"])
    forward = rules[rules.index("chain forward") : rules.index("chain input")]
    crossing = forward.index("crossing: demo2 lgsp-01 to the national peer")
    assert crossing < forward.index("containment: nothing from the lab leaves the host"), "crossings come first"
    assert (
        'iifname "demo2-dmz" oifname "demo-ndxp" ip saddr 198.18.24.10 ip daddr 198.19.255.10 tcp dport 8480 accept'
        in forward
    )
    assert (
        'iifname "demo-ndxp" oifname "demo2-dmz" ip saddr 198.19.255.10 ip daddr 198.18.24.10 tcp sport 8480 '
        "ct state established accept" in forward
    )
    assert plan_lab(DEMO).crossings == (), "without the group nothing crosses"
    if shutil.which("nft") and os.geteuid() == 0:
        checked = subprocess.run(["nft", "-c", "-f", "-"], input=rules, capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr


def test_a_lab_knows_the_other_labs_machines_it_talks_to_by_their_full_names_only() -> None:
    file = ROOT / "provinces" / "demo2.yml"
    second = load_province(file)
    hosts = hosts_template(plan_lab(second, peer_group(second, file)), "")
    assert "198.19.255.10 ndxp-peer.demo.provcloud.test ndxp.national.test\n" in hosts
    demo_hosts = hosts_template(plan_lab(DEMO, peer_group(DEMO, ROOT / "provinces" / "demo.yml")), "")
    assert "198.18.24.10 lgsp-01.demo2.provcloud.test lgsp.demo2.provcloud.test\n" in demo_hosts
    assert demo_hosts.count(" lgsp-01 ") == 1, "a bare lgsp-01 stays the province's own"
