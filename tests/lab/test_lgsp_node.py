"""The LGSP node on the converged lab: who gets through, who is refused and how, the shared
catalogue, the national path, the audit log, the rate limit, and a reboot."""

import json
import re
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from lab.conftest import Lab
from lab.gateway_calls import Consumer, flood, get, get_from_machine, node_address, tenant_addresses
from lab.test_common import host
from provcloud.catalogue.service_machine import MachineRole
from provcloud.gateway import call

pytestmark = pytest.mark.lab

# Demo catalogue roles: vp-ubnd consumes every service; so-khcn consumes docsystem but not ho-tich.
ALLOWED = "vp-ubnd"
OTHER = "so-khcn"


@pytest.fixture(scope="module")
def tenants(demo_lab: Lab) -> Iterator[dict[str, Consumer]]:
    with tenant_addresses(demo_lab) as found:
        yield found


def refusal(answer_body: str) -> tuple[int, str]:
    document = json.loads(answer_body)
    return document["code"], document["error"]


def test_allowed_consumer_gets_the_catalogue_agencies(demo_lab: Lab, tenants: dict[str, Consumer]) -> None:
    me = tenants[ALLOWED]
    answer = get(demo_lab, "/dmdc/agencies", certificate_of=me, token_of=me, source=me.source)
    assert answer.status == 200, answer.body
    assert answer.headers["content-type"].startswith("application/json")
    document = answer.json()
    expected = {(a.org_code, a.name, a.slug, a.kind.value) for a in demo_lab.province.agencies}
    assert {(a["org_code"], a["name"], a["slug"], a["kind"]) for a in document["agencies"]} == expected
    assert document["province"]["org_code"] == demo_lab.province.org_code
    assert answer.headers["x-request-id"]


def test_admin_units_list_the_province_and_its_communes(demo_lab: Lab, tenants: dict[str, Consumer]) -> None:
    me = tenants[ALLOWED]
    answer = get(demo_lab, "/dmdc/admin-units", certificate_of=me, token_of=me, source=me.source)
    assert answer.status == 200, answer.body
    codes = {unit["code"] for unit in answer.json()["admin_units"]}
    communes = {a.admin_unit_code for a in demo_lab.province.agencies if a.admin_unit_code}
    assert codes == {demo_lab.province.admin_unit_code, *communes}


@pytest.mark.parametrize(
    ("case", "certificate", "token", "source", "path", "status", "code"),
    [
        ("no client certificate", None, ALLOWED, ALLOWED, "/dmdc/agencies", 401, (100, "AUTHEN_ERROR")),
        ("no token", ALLOWED, None, ALLOWED, "/dmdc/agencies", 401, (100, "AUTHEN_ERROR")),
        ("wrong token", ALLOWED, "wrong", ALLOWED, "/dmdc/agencies", 401, (100, "AUTHEN_ERROR")),
        ("another agency's token", ALLOWED, OTHER, ALLOWED, "/dmdc/agencies", 403, (106, "AGENCY_ID_INCORRECT")),
        ("another agency's address", ALLOWED, ALLOWED, OTHER, "/dmdc/agencies", 403, (101, "IP_DISALLOWED")),
        (
            "not a consumer of the service",
            OTHER,
            OTHER,
            OTHER,
            "/ho-tich/v1/so-ho-tich",
            403,
            (106, "AGENCY_ID_INCORRECT"),
        ),
    ],
)
def test_refusals(
    demo_lab: Lab,
    tenants: dict[str, Consumer],
    case: str,
    certificate: str | None,
    token: str | None,
    source: str,
    path: str,
    status: int,
    code: tuple[int, str],
) -> None:
    chosen = tenants[certificate].credentials if certificate else None
    answer = call(
        node_address(demo_lab),
        path,
        ca=tenants[ALLOWED].credentials.ca,
        client=(chosen.certificate, chosen.private_key) if chosen else None,
        token=tenants[token].credentials.token if token in tenants else ("x" * 48 if token else None),
        source=tenants[source].source,
    )
    assert (answer.status, refusal(answer.body)) == (status, code), f"{case}: {answer.status} {answer.body}"


def test_a_certificate_from_another_ca_is_refused(demo_lab: Lab, tenants: dict[str, Consumer], tmp_path: Path) -> None:
    me = tenants[ALLOWED]
    key, certificate = tmp_path / "rogue.key", tmp_path / "rogue.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
         "-subj", f"/CN={ALLOWED}", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )  # fmt: skip
    answer = call(
        node_address(demo_lab),
        "/dmdc/agencies",
        ca=me.credentials.ca,
        client=(certificate, key),
        token=me.credentials.token,
        source=me.source,
    )
    assert (answer.status, refusal(answer.body)) == (401, (100, "AUTHEN_ERROR")), answer.body


def test_a_lab_machine_is_not_an_allowed_source(demo_lab: Lab, tenants: dict[str, Consumer]) -> None:
    app = demo_lab.province.machines_with_role(MachineRole.docsystem_app)[0]
    node = node_address(demo_lab)
    health = get_from_machine(demo_lab, app.name, node, "/healthz", consumer=None)
    assert health.status == 200, f"/healthz from {app.name}: {health.body}"
    answer = get_from_machine(demo_lab, app.name, node, "/dmdc/agencies", consumer=tenants[ALLOWED])
    assert (answer.status, refusal(answer.body)) == (403, (101, "IP_DISALLOWED")), answer.body


def test_only_tls_1_2_and_newer(demo_lab: Lab, tenants: dict[str, Consumer]) -> None:
    node = str(node_address(demo_lab))
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.load_verify_locations(str(tenants[ALLOWED].credentials.ca))
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_1  # the point: the node refuses it
    with pytest.raises(ssl.SSLError):
        ssl_connect(old, node, tenants[ALLOWED].source)
    new = ssl.create_default_context(cafile=str(tenants[ALLOWED].credentials.ca))
    new.minimum_version = new.maximum_version = ssl.TLSVersion.TLSv1_2
    assert ssl_connect(new, node, tenants[ALLOWED].source) == "TLSv1.2"


def ssl_connect(context: ssl.SSLContext, address: str, source: IPv4Address) -> str | None:
    with (
        socket.create_connection((address, 443), timeout=10, source_address=(str(source), 0)) as raw,
        context.wrap_socket(raw, server_hostname=address) as tls,
    ):
        return tls.version()


def test_the_national_path_through_the_node(demo_lab: Lab, tenants: dict[str, Consumer]) -> None:
    me = tenants[ALLOWED]
    answer = get(demo_lab, "/national/dmdc/admin-units", certificate_of=me, token_of=me, source=me.source)
    assert answer.status == 200, answer.body
    codes = {unit["code"] for unit in answer.json()["admin_units"]}
    assert {"01", "48", "79", demo_lab.province.admin_unit_code} <= codes
    node = demo_lab.province.machines_with_role(MachineRole.lgsp_node)[0]
    assert f"CN={node.name}.{demo_lab.province.dns.domain}" in answer.headers["x-ndxp-caller"]


def test_the_national_peer_refuses_callers_without_a_node_certificate(
    demo_lab: Lab, tenants: dict[str, Consumer]
) -> None:
    node = demo_lab.province.machines_with_role(MachineRole.lgsp_node)[0]
    peer = demo_lab.province.machines_with_role(MachineRole.national_peer)[0]
    national_ca = "/etc/provcloud/pki/national-ca.crt"
    # From the node's own machine (the only one the firewall lets through), without the node's certificate...
    bare = get_from_machine(demo_lab, node.name, peer.ip, "/dmdc/admin-units", consumer=None, ca=national_ca)
    assert (bare.status, refusal(bare.body)) == (401, (100, "AUTHEN_ERROR")), bare.body
    # ... and with a provincial consumer agency's certificate.
    agency = get_from_machine(
        demo_lab, node.name, peer.ip, "/dmdc/admin-units", consumer=tenants[ALLOWED], ca=national_ca
    )
    assert (agency.status, refusal(agency.body)) == (401, (100, "AUTHEN_ERROR")), agency.body


def audit_lines(lab: Lab, machine: str) -> list[dict[str, str]]:
    result = lab.ssh(machine, "sudo tail -n 200 /var/log/lgsp-node/audit.log")
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_every_request_leaves_a_json_audit_line(demo_lab: Lab, tenants: dict[str, Consumer]) -> None:
    me, other = tenants[ALLOWED], tenants[OTHER]
    passed = get(demo_lab, "/dmdc/agencies", certificate_of=me, token_of=me, source=me.source)
    refused = get(demo_lab, "/ho-tich/v1/x", certificate_of=other, token_of=other, source=other.source)
    node = demo_lab.province.machines_with_role(MachineRole.lgsp_node)[0].name
    by_id = {line["request_id"]: line for line in audit_lines(demo_lab, node)}
    line = by_id[passed.headers["x-request-id"]]
    assert (line["consumer"], line["consumer_org_code"], line["service"], line["status"]) == (
        ALLOWED,
        demo_lab.province.agencies_by_slug[ALLOWED].org_code,
        "lgsp.dmdc",
        "200",
    )
    assert float(line["latency"]) >= 0
    line = by_id[refused.headers["x-request-id"]]
    assert (line["consumer"], line["service"], line["status"], line["refusal"]) == (OTHER, "ho-tich", "403", "106")


def test_rate_limit_per_consumer(demo_lab: Lab, tenants: dict[str, Consumer]) -> None:
    me = tenants[ALLOWED]
    node = demo_lab.province.machines_with_role(MachineRole.lgsp_node)[0].name
    policy = demo_lab.ssh(node, "cat /etc/nginx/conf.d/lgsp-node.conf").stdout
    rate_setting = re.search(r"zone=lgsp_consumers:\S+ rate=(\d+)r/s", policy)
    burst_setting = re.search(r"limit_req zone=lgsp_consumers burst=(\d+)", policy)
    assert rate_setting and burst_setting, "no per-consumer limit_req in the node's configuration"
    rate, burst = int(rate_setting.group(1)), int(burst_setting.group(1))
    statuses, seconds = flood(demo_lab, me, "/dmdc/admin-units", connections=8, requests=40)
    passed = statuses.count(200)
    assert set(statuses) <= {200, 429}, sorted(set(statuses))
    assert passed <= burst + rate * seconds + 2, f"{passed} of {len(statuses)} passed in {seconds:.1f} s"
    assert 429 in statuses, f"{len(statuses)} requests in {seconds:.1f} s were never limited ({rate}/s, burst {burst})"
    time.sleep(burst / rate + 1)  # the bucket refills
    assert get(demo_lab, "/dmdc/admin-units", certificate_of=me, token_of=me, source=me.source).status == 200


def init_started(lab: Lab, machine: str) -> str:
    """When the machine's PID 1 started (field 22 of /proc/1/stat): changes with every boot."""
    return lab.ssh(machine, "cut -d' ' -f22 /proc/1/stat").stdout.strip()


def test_reboot_brings_the_gateway_back_without_a_converge(demo_lab: Lab, tenants: dict[str, Consumer]) -> None:
    node = demo_lab.province.machines_with_role(MachineRole.lgsp_node)[0]
    me = tenants[ALLOWED]
    before = init_started(demo_lab, node.name)
    demo_lab.ssh(node.name, "sudo systemctl reboot")
    deadline = time.monotonic() + 180
    status, last, booted = 0, "", False
    while time.monotonic() < deadline:
        booted = booted or init_started(demo_lab, node.name) not in ("", before)
        if booted:
            try:
                answer = get(demo_lab, "/dmdc/agencies", certificate_of=me, token_of=me, source=me.source)
                status, last = answer.status, answer.body[:200]
                if status == 200:
                    break
            except OSError as error:
                last = str(error)
        time.sleep(2)
    assert booted, f"{node.name} did not reboot"
    assert status == 200, f"{node.name} did not serve again within 180 s of its reboot: {last}"


@pytest.mark.parametrize("role", [MachineRole.lgsp_node, MachineRole.national_peer])
def test_nginx_runs_listens_on_443_only_and_keeps_its_audit_log_by_level(demo_lab: Lab, role: MachineRole) -> None:
    machine = demo_lab.province.machines_with_role(role)[0]
    remote = host(demo_lab, machine.name)
    nginx = remote.service("nginx")
    assert nginx.is_running and nginx.is_enabled
    listening = remote.check_output("ss -Hltnp").splitlines()
    ports = {line.split()[3].rsplit(":", 1)[1] for line in listening if '"nginx"' in line}
    assert ports == {"443"}, f"nginx on {machine.name} listens on {ports}"
    level = machine.security_level or demo_lab.province.security_level
    days = demo_lab.province.security_controls.log_retention_days[level]
    assert f"rotate {days}" in remote.file("/etc/logrotate.d/lgsp-node").content_string
