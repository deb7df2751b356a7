"""The common role's nftables ruleset, rendered with the rules the inventory derives for danang's
machines and judged by nft itself (`nft -c`, in a network namespace of its own: root): a rule the
derivation adds (VRRP between a pair's machines, a protocol without a port) must be one nft takes."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT
from provcloud.ansible.inventory import province_inventory
from provcloud.catalogue import load_province
from role_templates import ANSIBLE_MANAGED, render_template

DANANG = load_province(ROOT / "provinces" / "danang.yml")
SSH_RULE = {"name": "SSH (management)", "protocol": "tcp", "port": 22, "sources": ["10.48.3.0/24"]}
"""The rule the role itself puts first (roles/common/vars/main.yml)."""


def ruleset(host: str, tmp_path: Path) -> Path:
    inputs = province_inventory(DANANG, lab=False, controller_state=Path("/state")).host_vars[host]
    context = {
        "ansible_managed": ANSIBLE_MANAGED,
        "inventory_hostname": host,
        "__common_firewall_rules": [SSH_RULE, *inputs["common_firewall_service_rules"]],
    }
    return render_template("common", "etc/nftables.conf", context, tmp_path / "nftables.conf")


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("nft") is None or shutil.which("unshare") is None,
    reason="needs root, unshare and nft (scripts/install-system-packages)",
)
@pytest.mark.parametrize("host", ["lgsp-01", "docsys-app-02", "docsys-db-01"])
def test_nft_accepts_the_ruleset_of(host: str, tmp_path: Path) -> None:
    result = subprocess.run(
        ["unshare", "--net", "nft", "-c", "-f", str(ruleset(host, tmp_path))],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"nft refused {host}'s ruleset:\n{result.stderr}"


def test_vrrp_is_accepted_from_the_peer_only(tmp_path: Path) -> None:
    text = ruleset("lgsp-01", tmp_path).read_text(encoding="utf-8")
    assert "elements = { 10.48.0.12/32 }" in text
    assert 'meta l4proto vrrp counter accept comment "VRRP from the other lgsp_node machines (keepalived)"' in text
    assert "vrrp" not in ruleset("docsys-db-01", tmp_path).read_text(encoding="utf-8")
