"""The patroni and vip_manager roles' files, rendered from demo-ha's derived inputs. Only a first
check (branch ha-database): the judge of these files is Patroni's own validator, which the role runs
on the machine (`patroni --validate-config`), and Patroni and vip-manager on the lab — it needs
PostgreSQL's binaries, which this host does not have."""

from pathlib import Path
from typing import Any

import yaml

from conftest import ROOT
from provcloud.ansible.inventory import province_inventory
from provcloud.catalogue import load_province
from role_templates import ANSIBLE_MANAGED, environment, render_template


def role_context(role: str, host: str) -> dict[str, Any]:
    province = load_province(ROOT / "provinces" / "demo-ha.yml")
    inputs = province_inventory(province, lab=True, controller_state=Path("/state")).host_vars[host]
    folder = ROOT / "roles" / role
    context: dict[str, Any] = {
        **yaml.safe_load((folder / "defaults" / "main.yml").read_text(encoding="utf-8")),
        **{key: value for key, value in inputs.items() if key.startswith(f"{role}_")},
        "inventory_hostname": host,
        "ansible_managed": ANSIBLE_MANAGED,
    }
    templates = environment()
    for key, value in yaml.safe_load((folder / "vars" / "main.yml").read_text(encoding="utf-8")).items():
        # The password lookups run on the controller; the test gives fixed ones.
        context[key] = (
            "secret"
            if "lookup(" in str(value)
            else (templates.from_string(value).render(context) if isinstance(value, str) else value)
        )
    return context


def test_the_member_names_the_store_the_cluster_and_the_synchronous_level(tmp_path: Path) -> None:
    rendered = render_template(
        "patroni", "etc/patroni/cluster.yml", role_context("patroni", "docsys-db-01"), tmp_path / "15-main.yml"
    )
    config = yaml.safe_load(rendered.read_text(encoding="utf-8"))
    # Debian's wrappers read the cluster from the scope.
    assert config["scope"] == "15-main"
    assert config["name"] == "docsys-db-01.demo-ha.provcloud.test"
    assert config["etcd"]["hosts"] == ["198.18.34.11:2379", "198.18.34.12:2379", "198.18.35.11:2379"]
    assert config["bootstrap"]["dcs"]["synchronous_mode"] is True
    assert config["bootstrap"]["dcs"]["synchronous_mode_strict"] is False
    assert config["postgresql"]["connect_address"] == "198.18.34.11:5432"
    # The postgresql role's files, not Patroni's own.
    assert config["postgresql"]["parameters"]["hba_file"] == "/etc/provcloud/postgresql/pg_hba.conf"
    assert config["postgresql"]["authentication"]["replication"]["sslmode"] == "verify-full"
    # Its own server's timeline over the socket: "localhost" is not a name of the certificate.
    assert config["postgresql"]["use_unix_socket_repl"] is True


def test_the_address_follows_this_members_leader_key(tmp_path: Path) -> None:
    rendered = render_template(
        "vip_manager", "etc/patroni/cluster.vip", role_context("vip_manager", "docsys-db-02"), tmp_path / "15-main.vip"
    )
    settings = dict(
        line.split("=", 1) for line in rendered.read_text(encoding="utf-8").splitlines() if line and line[0] != "#"
    )
    assert settings["VIP_IP"] == '"198.18.34.10"'
    assert settings["VIP_TRIGGER_KEY"] == '"/docsystem/15-main/leader"'
    assert settings["VIP_TRIGGER_VALUE"] == '"docsys-db-02.demo-ha.provcloud.test"'
