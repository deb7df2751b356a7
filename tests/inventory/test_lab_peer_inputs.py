"""The roles' inputs when two lab provinces share demo's national peer (catalogue/lab_peer.py): the
peer routes both, each node answers it, the second province's nodes take their national
certificates from demo's stand-in national CA, and each node trusts the other province's CA once
that CA exists."""

from pathlib import Path
from typing import Any

from conftest import ROOT
from provcloud.ansible.inventory import province_inventory
from provcloud.catalogue import load_province
from provcloud.catalogue.lab_peer import peer_group


def host_vars(slug: str, state: Path) -> dict[str, dict[str, Any]]:
    file = ROOT / "provinces" / f"{slug}.yml"
    province = load_province(file)
    inventory = province_inventory(
        province, lab=True, controller_state=state / slug, peer_group=peer_group(province, file)
    )
    return inventory.host_vars


def exchange_rule(machine: dict[str, Any]) -> list[str]:
    rules = [rule for rule in machine["common_firewall_service_rules"] if rule["port"] == 8480]
    assert len(rules) == 1, rules
    return list(rules[0]["sources"])


def test_the_peer_routes_both_provinces_and_answers_both_nodes(tmp_path: Path) -> None:
    demo, second = host_vars("demo", tmp_path), host_vars("demo2", tmp_path)
    peer = demo["ndxp-peer"]
    assert second["lgsp-01"]["exchange_endpoint"] == "https://lgsp-01.demo2.provcloud.test:8480"
    assert peer["exchange_routing"] == {
        "H99": demo["lgsp-01"]["exchange_endpoint"],
        "H98": second["lgsp-01"]["exchange_endpoint"],
    }
    assert exchange_rule(peer) == ["198.18.0.10/32", "198.18.24.10/32"]
    assert exchange_rule(second["lgsp-01"]) == exchange_rule(demo["lgsp-01"]) == ["198.19.255.10/32"]
    assert second["lgsp-01"]["exchange_national_endpoint"] == peer["exchange_endpoint"]


def test_the_second_provinces_national_certificates_come_from_the_peers_national_ca(tmp_path: Path) -> None:
    demo, second = host_vars("demo", tmp_path), host_vars("demo2", tmp_path)
    national_ca = str(tmp_path / "demo" / "pki" / "national-ca")
    assert {machine["pki_national_ca_dir"] for machine in [*demo.values(), *second.values()]} == {national_ca}
    assert second["lgsp-01"]["pki_ca_dir"] == str(tmp_path / "demo2" / "pki"), "its own provincial CA"


def test_a_node_trusts_the_other_provinces_ca_once_it_exists(tmp_path: Path) -> None:
    own = str(tmp_path / "demo2" / "pki" / "ca.crt")
    assert host_vars("demo2", tmp_path)["lgsp-01"]["exchange_trust_files"] == [own]
    demo_ca = tmp_path / "demo" / "pki" / "ca.crt"
    demo_ca.parent.mkdir(parents=True)
    demo_ca.write_text("made by demo's first converge\n")
    assert host_vars("demo2", tmp_path)["lgsp-01"]["exchange_trust_files"] == [own, str(demo_ca)]
    assert host_vars("demo", tmp_path)["ndxp-peer"]["exchange_trust_files"] == [str(demo_ca)]


def test_a_letter_to_the_other_province_is_addressed_with_its_agencys_name(tmp_path: Path) -> None:
    directory = host_vars("demo", tmp_path)["lgsp-01"]["exchange_directory"]
    assert directory["000.02.00.H98"] == "Sở Nội vụ"
    assert directory["000.02.00.H99"] == "Sở Khoa học và Công nghệ"


def test_the_nodes_are_named_apart_across_provinces(tmp_path: Path) -> None:
    """Both provinces have an `lgsp-01`: a trace over the nodes' logs must say whose each event is."""
    names = {host_vars(slug, tmp_path)["lgsp-01"]["exchange_node_name"] for slug in ("demo", "demo2")}
    assert names == {"lgsp-01.demo.provcloud.test", "lgsp-01.demo2.provcloud.test"}
