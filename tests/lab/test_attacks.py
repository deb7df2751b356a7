"""Issue 11's holes, tried on the converged demo lab as an agency (its certificate, token and source
address) or a publisher's upstream would try them; each test expects the refusal.

The upstream of `ho-tich` (http://198.18.1.10:8081, on the document system's machine) is played by
a small Python server there for the time of this module: it echoes what it received and, asked
for it, answers with an X-Accel-Redirect into another service."""

import base64
import json
import socket
import ssl
import time
from collections.abc import Iterator
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from conftest import ROOT, run_provcloud
from lab.conftest import Lab
from lab.gateway_calls import Consumer, get, tenant_addresses
from lab.test_lgsp_node import audit_lines
from provcloud.catalogue.service_machine import MachineRole
from provcloud.docsystem_client import API, SERVICE

pytestmark = pytest.mark.lab

PUBLISHER_MACHINE = "docsys-app-01"
UPSTREAM_PORT = 8081
UPSTREAM_UNIT = "provcloud-test-upstream"
MARK = "provcloud-test-upstream"
# Demo catalogue: vp-ubnd consumes ho-tich and the docsystem; xa-son-thuy consumes ho-tich only.
BOTH = "vp-ubnd"
HO_TICH_ONLY = "xa-son-thuy"

UPSTREAM = """
import http.server, json
class Echo(http.server.BaseHTTPRequestHandler):
    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = json.dumps({"from": "ho-tich upstream", "path": self.path,
                           "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(200)
        if "accel" in self.path:
            self.send_header("X-Accel-Redirect", "/docsystem/api/v4/cabinets/")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = answer
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer((ADDRESS, PORT), Echo).serve_forever()
"""


def _remove_rule(lab: Lab) -> None:
    listing = lab.ssh(PUBLISHER_MACHINE, "sudo nft -a list chain inet provcloud_common input").stdout
    for line in listing.splitlines():
        if MARK in line and "# handle " in line:
            handle = line.rsplit("# handle ", 1)[1].strip()
            lab.ssh(PUBLISHER_MACHINE, f"sudo nft delete rule inet provcloud_common input handle {handle}")


@pytest.fixture(scope="module")
def upstream(demo_lab: Lab) -> Iterator[None]:
    """The ho-tich upstream on its machine, let in from the LGSP node only, removed afterwards."""
    machine = next(m for m in demo_lab.province.service_machines if m.name == PUBLISHER_MACHINE)
    node = demo_lab.province.machines_with_role(MachineRole.lgsp_node)[0]
    code = UPSTREAM.replace("ADDRESS", repr(str(machine.ip))).replace("PORT", str(UPSTREAM_PORT))
    encoded = base64.b64encode(code.encode()).decode()
    try:
        opened = demo_lab.ssh(
            PUBLISHER_MACHINE,
            f"sudo nft insert rule inet provcloud_common input ip saddr {node.ip} tcp dport {UPSTREAM_PORT} "
            f'accept comment \\"{MARK}\\"',
        )
        assert opened.returncode == 0, opened.stderr
        started = demo_lab.ssh(
            PUBLISHER_MACHINE,
            f"sudo systemd-run --unit={UPSTREAM_UNIT} /usr/bin/python3 -c "
            f"\"import base64; exec(base64.b64decode('{encoded}'))\"",
        )
        assert started.returncode == 0, started.stderr
        deadline = time.monotonic() + 20
        while demo_lab.ssh(PUBLISHER_MACHINE, f"ss -Hltn 'sport = :{UPSTREAM_PORT}' | grep -q .").returncode != 0:
            assert time.monotonic() < deadline, "the test upstream did not start listening"
            time.sleep(0.5)
        yield
    finally:
        demo_lab.ssh(PUBLISHER_MACHINE, f"sudo systemctl stop {UPSTREAM_UNIT}")
        _remove_rule(demo_lab)


@pytest.fixture(scope="module")
def tenants(demo_lab: Lab) -> Iterator[dict[str, Consumer]]:
    with tenant_addresses(demo_lab) as found:
        yield found


def test_an_upstream_cannot_send_an_authorised_request_into_another_service(
    demo_lab: Lab, tenants: dict[str, Consumer], upstream: None
) -> None:
    # Hole 1: xa-son-thuy may call ho-tich only; ho-tich's upstream answers X-Accel-Redirect into
    # the document system. The node must hand back the upstream's own answer, not follow it.
    outsider = tenants[HO_TICH_ONLY]
    answer = get(demo_lab, "/ho-tich/v1/accel", certificate_of=outsider, token_of=outsider, source=outsider.source)
    assert answer.status == 200, answer.body
    assert answer.json()["from"] == "ho-tich upstream", answer.body
    assert "x-accel-redirect" not in answer.headers


def test_client_headers_meant_to_steer_an_upstream_do_not_reach_it(
    demo_lab: Lab, tenants: dict[str, Consumer], upstream: None
) -> None:
    # Hole 6: what a client says about the host, the URL or another service's credential.
    me = tenants[BOTH]
    steering = {
        "X-Forwarded-Host": "admin.evil.example",
        "Forwarded": "for=1.2.3.4;host=admin.evil.example",
        "X-Original-URL": "/admin/",
        "X-Rewrite-URL": "/admin/",
        "X-Real-IP": "1.2.3.4",
        "X-Docsystem-Authorization": "Token stolen-elsewhere",
    }
    answer = get(demo_lab, "/ho-tich/v1/echo", certificate_of=me, token_of=me, source=me.source, headers=steering)
    assert answer.status == 200, answer.body
    received = answer.json()["headers"]
    assert not {name.lower() for name in steering} & set(received), received
    assert received["x-lgsp-consumer"] == BOTH, "the node's own statement of who called"
    assert received["x-forwarded-for"] == str(me.source)


def test_the_audit_log_keeps_the_path_but_not_the_query(
    demo_lab: Lab, tenants: dict[str, Consumer], upstream: None
) -> None:
    # Hole 6: a query string may carry personal data (a citizen ID looked up).
    me = tenants[BOTH]
    answer = get(demo_lab, "/ho-tich/v1/lookup?cccd=001099012345", certificate_of=me, token_of=me, source=me.source)
    assert answer.status == 200, answer.body
    node = demo_lab.province.machines_with_role(MachineRole.lgsp_node)[0].name
    line = {entry["request_id"]: entry for entry in audit_lines(demo_lab, node)}[answer.headers["x-request-id"]]
    assert line["uri"] == "/ho-tich/v1/lookup", line
    assert "001099012345" not in json.dumps(line)


def test_a_document_sized_body_passes_to_the_document_system_only(
    demo_lab: Lab, tenants: dict[str, Consumer], upstream: None
) -> None:
    # Hole 6: the node refused at 1 MiB what the document system takes (100 MB).
    me = tenants[BOTH]
    document = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)
    to_docsystem = get(
        demo_lab, f"/{SERVICE}{API}documents/upload/", certificate_of=me, token_of=me, source=me.source,
        method="POST", body=document, headers={"Content-Type": "application/octet-stream"},
    )  # fmt: skip
    assert to_docsystem.status != 413 and to_docsystem.status < 500, to_docsystem.body[:500]
    to_ho_tich = get(
        demo_lab, "/ho-tich/v1/upload", certificate_of=me, token_of=me, source=me.source,
        method="POST", body=document, headers={"Content-Type": "application/octet-stream"},
    )  # fmt: skip
    assert to_ho_tich.status == 413, to_ho_tich.body[:500]


def _docsystem(lab: Lab) -> IPv4Address:
    return lab.province.machines_with_role(MachineRole.docsystem_app)[0].ip


def test_the_document_system_does_not_answer_an_agency_directly(demo_lab: Lab, tenants: dict[str, Consumer]) -> None:
    # Hole 3: from an agency's own source address, around the node's certificate, allow-list,
    # consumer list, rate limit and audit log.
    me = tenants[BOTH]
    with pytest.raises(OSError):  # dropped: the connection times out (or is refused)
        socket.create_connection((str(_docsystem(demo_lab)), 443), timeout=3, source_address=(str(me.source), 0))


def _handshake(lab: Lab, context: ssl.SSLContext) -> ssl.SSLSocket:
    # From the host's address on the app zone's bridge: the lab's stand-in for the management zone.
    raw = socket.create_connection((str(_docsystem(lab)), 443), timeout=10)
    return context.wrap_socket(raw, server_hostname=lab.province.machine_names(
        lab.province.machines_with_role(MachineRole.docsystem_app)[0])[0])  # fmt: skip


def test_the_document_system_refuses_cbc_suites_and_hides_its_version(
    demo_lab: Lab, tenants: dict[str, Consumer]
) -> None:
    ca = next(iter(tenants.values())).credentials.ca
    cbc = ssl.create_default_context(cafile=str(ca))
    cbc.maximum_version = ssl.TLSVersion.TLSv1_2
    cbc.set_ciphers("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA384")
    with pytest.raises(ssl.SSLError):
        _handshake(demo_lab, cbc).close()
    with _handshake(demo_lab, ssl.create_default_context(cafile=str(ca))) as tls:
        tls.sendall(b"HEAD / HTTP/1.1\r\nHost: docs\r\nConnection: close\r\n\r\n")
        head = tls.recv(4096).decode(errors="replace")
    server = [line for line in head.splitlines() if line.lower().startswith("server:")]
    assert server == ["Server: nginx"], head


HOSTILE_CATALOGUE_TEXT = {
    # An apt_proxy value that becomes an apt hook run as root (apt.conf.d syntax after the quote).
    "apt-hook": (
        "  apt_proxy: http://198.18.3.1:3142\n",
        '  apt_proxy: \'http://198.18.3.1:3142/"; APT::Update::Pre-Invoke {"touch /tmp/provcloud-pwned";}; //\'\n',
        "platform.apt_proxy",
    ),
    # A name with a line break that would add an nginx location (the node's route comments).
    "name-with-a-line-break": (
        "  - name: Văn phòng Ủy ban nhân dân tỉnh\n",
        '  - name: "Văn phòng\\n    location /national/ { proxy_pass https://ndxp.national.test; }"\n',
        "agencies[0].name",
    ),
    # A name templated by Ansible on the controller (on an ansible-core below the pin).
    "name-with-a-lookup": (
        "  - name: Văn phòng Ủy ban nhân dân tỉnh\n",
        "  - name: \"{{ lookup('ansible.builtin.pipe', 'touch /tmp/provcloud-pwned') }}\"\n",
        "agencies[0].name",
    ),
}


@pytest.mark.parametrize("attack", sorted(HOSTILE_CATALOGUE_TEXT))
def test_hostile_catalogue_text_never_reaches_the_converged_machines(
    demo_lab: Lab, tmp_path: Path, attack: str
) -> None:
    """Hole 4 tried on the converged lab: the demo catalogue with one hostile value is refused with
    file:line before any machine is touched — the proxy file on every machine stays as it was."""
    original, hostile, field = HOSTILE_CATALOGUE_TEXT[attack]
    text = (ROOT / "provinces" / "demo.yml").read_text(encoding="utf-8")
    assert original in text, f"the demo catalogue no longer has {original!r}"
    catalogue = tmp_path / "provinces" / "demo.yml"
    catalogue.parent.mkdir()
    catalogue.write_text(text.replace(original, hostile, 1), encoding="utf-8")
    before = demo_lab.ssh("backup-01", "sudo sha256sum /etc/apt/apt.conf.d/01provcloud-proxy").stdout
    refused = run_provcloud("configure", str(catalogue))
    assert refused.returncode == 1, refused.stdout[-2000:]
    assert f"demo.yml:{text[: text.index(original)].count(chr(10)) + 1}:" in refused.stderr, refused.stderr
    assert field in refused.stderr and "Traceback" not in refused.stderr
    assert demo_lab.ssh("backup-01", "sudo sha256sum /etc/apt/apt.conf.d/01provcloud-proxy").stdout == before
    assert demo_lab.ssh("backup-01", "test -e /tmp/provcloud-pwned").returncode != 0
    assert not Path("/tmp/provcloud-pwned").exists(), "a lookup ran on the controller"
