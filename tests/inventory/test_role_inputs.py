"""The roles' inputs, derived once from the catalogue (provcloud.ansible.role_inputs): real values
for demo and danang, so a changed rule (a name, a port, a database, a path, who may reach what)
fails here before it reaches a lab."""

from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from provcloud.ansible.inventory import province_inventory
from provcloud.catalogue import load_province
from provcloud.exchange import mayan

DEMO = load_province(ROOT / "provinces" / "demo.yml")
DANANG = load_province(ROOT / "provinces" / "danang.yml")


def host_vars(province_slug: str, *, lab: bool = False) -> dict[str, dict[str, Any]]:
    province = DEMO if province_slug == "demo" else DANANG
    return province_inventory(province, lab=lab, controller_state=Path(f"/state/{province_slug}")).host_vars


def test_machine_names_are_the_fqdn_then_the_aliases() -> None:
    danang = host_vars("danang")
    assert danang["lgsp-01"]["lgsp_node_server_names"] == ["lgsp-01.danang.gov.vn", "lgsp.danang.gov.vn"]
    assert danang["lgsp-01"]["pki_server_names"] == ["lgsp-01.danang.gov.vn", "lgsp.danang.gov.vn"]
    assert danang["docsys-app-02"]["docsystem_server_names"] == ["docsys-app-02.danang.gov.vn", "qlvb.danang.gov.vn"]
    assert danang["docsys-db-01"]["pki_server_names"] == ["docsys-db-01.danang.gov.vn"]
    assert danang["docsys-db-01"]["pki_server_addresses"] == ["10.48.2.11"]
    assert host_vars("demo")["ndxp-peer"]["lgsp_node_server_names"][0] == "ndxp-peer.demo.provcloud.test"


def test_the_lgsp_port_and_tier() -> None:
    demo = host_vars("demo")
    assert (demo["lgsp-01"]["lgsp_node_tier"], demo["lgsp-01"]["lgsp_node_port"]) == ("provincial", 443)
    assert (demo["ndxp-peer"]["lgsp_node_tier"], demo["ndxp-peer"]["lgsp_node_port"]) == ("national", 443)
    assert demo["lgsp-01"]["common_firewall_service_rules"] == [
        {
            "name": "LGSP gateway (HTTPS) from the app zone and tenant egress",
            "protocol": "tcp",
            "port": 443,
            "sources": ["198.18.1.0/24", "198.18.4.0/24"],
        },
        {
            "name": "document exchange (mutual TLS) from the national peer",
            "protocol": "tcp",
            "port": 8480,
            "sources": ["198.19.255.10/32"],
        },
    ]
    national_rules = demo["ndxp-peer"]["common_firewall_service_rules"]
    assert {"name": "document exchange (mutual TLS) from the provincial LGSP nodes", "protocol": "tcp",
            "port": 8480, "sources": ["198.18.0.10/32"]} in national_rules  # fmt: skip


def test_the_exchange_node_signs_for_the_document_systems_agencies_and_routes_by_province() -> None:
    demo = host_vars("demo")
    node, national = demo["lgsp-01"], demo["ndxp-peer"]
    assert [agency["certificate"] for agency in node["exchange_agencies"]] == [
        "signing-vp-ubnd", "signing-so-khcn", "signing-so-tu-phap",
    ], "the agencies with a document-system account, each with its own signing certificate"  # fmt: skip
    assert (node["exchange_tier"], node["exchange_province_code"]) == ("provincial", "H99")
    assert node["exchange_national_endpoint"] == national["exchange_endpoint"] == "https://ndxp.national.test:8480"
    assert national["exchange_routing"] == {"H99": node["exchange_endpoint"]}
    assert node["exchange_endpoint"] == "https://lgsp-01.demo.provcloud.test:8480"


def test_routes_of_demo_reach_machines_at_their_catalogue_address() -> None:
    assert host_vars("demo")["lgsp-01"]["lgsp_node_routes"] == [
        {
            "name": "docsystem",
            "path": "/docsystem",
            "publisher": "so-khcn",
            "consumers": ["vp-ubnd", "so-khcn", "so-tu-phap"],
            "scheme": "https",
            "host": "docs.demo.provcloud.test",
            "address": "198.18.1.10:443",
            "upstream_path": "",
            "pass_headers": ["X-Docsystem-Authorization"],
            "max_body_size": "100m",
        },
        {
            "name": "ho-tich",
            "path": "/ho-tich/v1",
            "publisher": "so-tu-phap",
            "consumers": ["vp-ubnd", "xa-son-thuy"],
            "scheme": "http",
            "host": "198.18.1.10",
            "address": "198.18.1.10:8081",
            "upstream_path": "/ho-tich",
            # On the document system's machine, but not on its port: not the document system.
            "pass_headers": [],
            "max_body_size": "1m",
        },
    ]


def test_routes_of_danang_and_its_national_upstream() -> None:
    node = host_vars("danang")["lgsp-02"]
    routes = {route["name"]: route for route in node["lgsp_node_routes"]}
    assert routes["ho-tich"]["address"] == "10.48.1.21:8080" and routes["ho-tich"]["upstream_path"] == "/ho-tich"
    # qlvb.danang.gov.vn is an alias of both document system machines: it names their service, reached
    # at the pair's virtual IP (not at whichever machine happens to be listed last).
    assert (routes["docsystem"]["host"], routes["docsystem"]["address"]) == ("qlvb.danang.gov.vn", "10.48.1.10:443")
    assert len(routes["docsystem"]["consumers"]) == 8
    # An endpoint that is no service machine is reached by its name, on the scheme's port.
    assert (node["lgsp_node_national_host"], node["lgsp_node_national_address"]) == ("ndxp.gov.vn", "ndxp.gov.vn:443")
    demo = host_vars("demo")["lgsp-01"]
    assert (demo["lgsp_node_national_host"], demo["lgsp_node_national_address"]) == (
        "ndxp.national.test",
        "198.19.255.10:443",
    )


def test_consumers_with_their_org_code_and_sources() -> None:
    node = host_vars("demo")["lgsp-01"]
    assert node["lgsp_node_consumers"] == {
        "so-khcn": {"org_code": "000.02.00.H99", "sources": ["198.18.4.12/32"]},
        "so-tu-phap": {"org_code": "000.03.00.H99", "sources": ["198.18.4.13/32"]},
        "vp-ubnd": {"org_code": "000.01.00.H99", "sources": ["198.18.4.11/32"]},
        "xa-son-thuy": {"org_code": "000.00.01.H99", "sources": ["198.18.4.15/32"]},
    }
    # pki issues client certificates to exactly the node's consumers, with their org code as OU.
    assert node["pki_consumer_agencies"] == {slug: c["org_code"] for slug, c in node["lgsp_node_consumers"].items()}
    danang = host_vars("danang")["backup-01"]["pki_consumer_agencies"]
    assert sorted(danang) == sorted(
        ["vp-ubnd", "thanh-tra", "so-noi-vu", "so-tu-phap", "so-tai-chinh", "so-y-te", "phuong-hai-chau", "xa-hoa-vang"]
    )


def test_the_shared_catalogue_documents_of_demo() -> None:
    documents = {item["name"]: item["document"] for item in host_vars("demo")["lgsp-01"]["lgsp_node_shared_catalogue"]}
    assert documents["agencies"]["province"] == {"code": "99", "name": DEMO.name, "org_code": "000.00.00.H99"}
    agencies = {agency["slug"]: agency for agency in documents["agencies"]["agencies"]}
    assert agencies["so-khcn"]["parent"] == "000.00.00.H99", "an agency without parent hangs under the province"
    units = documents["admin-units"]["admin_units"]
    assert units[0] == {"code": "99", "name": DEMO.name, "level": "province", "parent": None}
    assert [unit["level"] for unit in units[1:]] == ["commune"] * (len(units) - 1) and len(units) > 1
    national = host_vars("demo")["ndxp-peer"]["lgsp_node_national_services"][0]
    assert [unit["code"] for unit in national["data"]["admin_units"]] == ["01", "48", "79", "99"]


def test_the_document_system_database_is_one_set_of_coordinates_on_both_sides() -> None:
    for slug, database_host, applications in (
        ("demo", "198.18.2.10", ["198.18.1.10/32"]),
        ("danang", "10.48.2.11", ["10.48.1.11/32", "10.48.1.12/32"]),
    ):
        machines = host_vars(slug)
        application = machines["docsys-app-01"]
        server = machines["docsys-db-01"]
        password_file = f"/state/{slug}/secrets/postgresql/docsystem"
        assert {key: application[f"docsystem_database_{key}"] for key in ("host", "port", "name", "user")} == {
            "host": database_host,
            "port": 5432,
            "name": "docsystem",
            "user": "docsystem",
        }
        assert application["docsystem_database_password_file"] == password_file
        assert server["postgresql_dependent_users"] == [
            {"name": "docsystem", "databases": ["docsystem"], "sources": applications, "password_file": password_file,
             # the backup role's restore logs in as the application's role, from the postgres account
             "local_system_users": ["postgres"]}
        ]  # fmt: skip
        assert server["postgresql_dependent_databases"] == [{"name": "docsystem", "owner": "docsystem"}]
        assert server["postgresql_port"] == application["docsystem_database_port"]
        assert server["postgresql_listen_addresses"] == ["localhost", database_host]
        assert server["common_firewall_service_rules"][0]["sources"] == applications
        assert server["common_firewall_service_rules"][0]["port"] == 5432


def test_docsystem_secret_paths_and_agencies() -> None:
    application = host_vars("demo")["docsys-app-01"]
    assert application["docsystem_admin_password_file"] == "/state/demo/docsystem/admin.password"
    assert application["docsystem_secret_key_file"] == "/state/demo/docsystem/secret.key"
    assert application["docsystem_credentials_dir"] == "/state/demo/docsystem/agencies"
    assert application["docsystem_record_file"] == "/state/demo/docsystem/docsystem.json"
    assert application["docsystem_mail_domain"] == "demo.provcloud.test"
    assert {"slug": "so-khcn", "name": "Sở Khoa học và Công nghệ", "org_code": "000.02.00.H99"} in application[
        "docsystem_agencies"
    ]
    # Only the agencies the catalogue makes consumers of the docsystem service get an account (hole 3).
    assert sorted(a["slug"] for a in application["docsystem_agencies"]) == ["so-khcn", "so-tu-phap", "vp-ubnd"]
    assert application["docsystem_allowed_clients"] == ["198.18.0.10/32", "198.18.3.0/24"]
    assert host_vars("demo", lab=True)["docsys-app-01"]["docsystem_allowed_clients"][-1] == "198.18.1.1/32"
    assert application["docsystem_upload_max_size"] == "100m"


def test_the_document_system_is_given_what_the_exchange_reads_and_writes() -> None:
    """The exchange (provcloud.exchange.mayan) finds each agency's outbox and inbox and its metadata
    by these names: the role makes exactly them, from one list."""
    application = host_vars("demo")["docsys-app-01"]
    assert application["docsystem_exchange_cabinets"] == [mayan.OUTBOX, mayan.INBOX] == ["outbox", "inbox"]
    types = application["docsystem_exchange_metadata_types"]
    assert [entry["name"] for entry in types] == list(mayan.METADATA)
    assert {"name": "exchange_number", "label": "Số văn bản"} in types
    assert all(0 < len(entry["label"]) <= 48 for entry in types), "Mayan keeps 48 characters of a label"
    assert application["docsystem_exchange_account"] == mayan.EXCHANGE_ACCOUNT
    slugs = {agency["slug"] for agency in application["docsystem_agencies"]}
    assert mayan.EXCHANGE_ACCOUNT not in slugs


def test_backup_sources_and_the_backup_machine() -> None:
    machines = host_vars("danang")
    sources: list[dict[str, Any]] = [
        {"name": "docsystem-database", "hosts": ["docsys-db-01"], "addresses": ["10.48.2.11"], "kind": "postgresql",
         "database": "docsystem", "role": "docsystem"},
        # The pair shares one volume: either machine serves the documents, a restore unpacks them once.
        {"name": "docsystem-documents", "hosts": ["docsys-app-01", "docsys-app-02"],
         "addresses": ["10.48.1.11", "10.48.1.12"], "kind": "directory", "path": "/srv/docsystem/media",
         "owner": "docsystem", "shared": True},
    ]  # fmt: skip
    assert machines["backup-01"]["backup_sources"] == sources
    assert machines["backup-01"]["backup_identity_file"] == "/state/danang/backup/age-identity.txt"
    assert machines["backup-01"]["backup_retention_days"] == 30, "sources at level 3 keep backups 30 days"
    assert machines["docsys-app-01"]["docsystem_storage_dir"] + "/media" == sources[1]["path"]
    # A restore logs in as the role the application uses, and unpacks as the account that runs it.
    assert machines["docsys-app-01"]["docsystem_database_user"] == sources[0]["role"]
    assert machines["docsys-app-01"]["docsystem_user"] == sources[1]["owner"]
    for source in ("docsys-db-01", "docsys-app-01", "docsys-app-02"):
        assert (machines[source]["backup_server"], machines[source]["backup_server_address"]) == (
            "backup-01",
            "10.48.3.11",
        )
        assert machines[source]["backup_sources"] == sources
        assert machines[source]["backup_identity_file"] == machines["backup-01"]["backup_identity_file"]
    assert "backup_sources" not in machines["lgsp-01"]


def test_common_inputs_in_the_field_and_in_the_lab() -> None:
    field = host_vars("demo")
    lab = host_vars("demo", lab=True)
    assert field["lgsp-01"]["common_firewall_management_sources"] == ["198.18.3.0/24"]
    assert lab["lgsp-01"]["common_firewall_management_sources"] == ["198.18.3.0/24", "198.18.0.1/32"]
    assert (field["lgsp-01"]["pki_national_ca_enabled"], lab["lgsp-01"]["pki_national_ca_enabled"]) == (False, True)
    assert field["lgsp-01"]["common_journald_retention_days"] == 90
    assert host_vars("danang")["lgsp-01"]["common_journald_retention_days"] == 180, "lgsp-01 is level 4 in danang"
    assert host_vars("danang")["lgsp-01"]["lgsp_node_log_retention_days"] == 180
    assert field["lgsp-01"]["common_apt_proxy"] == "http://198.18.3.1:3142"
    assert field["lgsp-01"]["common_operators"][0]["login"] == "nguyenvana"


def test_a_time_source_serves_time_and_does_not_follow_itself() -> None:
    machines = host_vars("demo")
    time_server = next(name for name, inputs in machines.items() if inputs["common_time_server"])
    assert time_server == "backup-01"
    assert machines["backup-01"]["common_time_sources"] == []
    assert machines["lgsp-01"]["common_time_sources"] == ["198.18.3.10"]
    assert machines["lgsp-01"]["common_time_clients"] == [str(zone.cidr) for zone in DEMO.network.zones.values()]


Rule = tuple[str, str, int | str | None, list[str]]
"""(protocol, name, port, sources) of a firewall rule."""


@pytest.mark.parametrize(
    ("machine", "expected"),
    [
        # Not the tenants' egress: agencies reach the document system only through the node (hole 3).
        # The pair behind a virtual IP also accepts VRRP (protocol 112, no port) from its other machine.
        ("docsys-app-01", [("tcp", "document system (HTTPS) from the LGSP node and management", 443,
                            ["10.48.0.11/32", "10.48.0.12/32", "10.48.3.0/24"]),
                           ("vrrp", "VRRP from the other docsystem_app machines (keepalived)", None,
                            ["10.48.1.12/32"]),
                           # The shared documents' volume: the other application machine, the arbiter.
                           ("tcp", "GlusterFS management (glusterd) from the volume's members", 24007,
                            ["10.48.1.12/32", "10.48.3.11/32"]),
                           ("tcp", "GlusterFS bricks of the shared documents from the volume's members", "49152-49155",
                            ["10.48.1.12/32", "10.48.3.11/32"])]),
        ("lgsp-02", [("tcp", "LGSP gateway (HTTPS) from the app zone and tenant egress", 443,
                      ["10.48.1.0/24", "10.48.128.0/17"]),
                     ("vrrp", "VRRP from the other lgsp_node machines (keepalived)", None, ["10.48.0.11/32"])]),
        # One database machine, no virtual IP: no VRRP.
        ("docsys-db-01", [("tcp", "PostgreSQL from the document system's application", 5432,
                           ["10.48.1.11/32", "10.48.1.12/32"])]),
        # The arbiter brick of the application pair's volume.
        ("backup-01", [("tcp", "GlusterFS management (glusterd) from the volume's members", 24007,
                        ["10.48.1.11/32", "10.48.1.12/32"]),
                       ("tcp", "GlusterFS bricks of the shared documents from the volume's members", "49152-49155",
                        ["10.48.1.11/32", "10.48.1.12/32"])]),
    ],
)  # fmt: skip
def test_firewall_rule_of_each_service_in_danang(machine: str, expected: list[Rule]) -> None:
    rules = host_vars("danang")[machine]["common_firewall_service_rules"]
    assert [(r["protocol"], r["name"], r["port"], r["sources"]) for r in rules] == expected
