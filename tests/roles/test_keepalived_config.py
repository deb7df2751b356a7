"""The keepalived role's configuration, rendered from danang's derived inputs and judged by
keepalived's own parser (`keepalived --config-test`, through the role's own checker, the command its
template task validates with), and its health check run against a local HTTP server.

keepalived's parser needs the configured interface to exist: each check runs in a network namespace
of its own (`unshare --net`, root) holding a bridge named like the zone. Without root, unshare or
keepalived (scripts/system-packages.txt) these tests skip and say why."""

import http.server
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT, serve_on_loopback
from provcloud.ansible.inventory import province_inventory
from provcloud.catalogue import load_province
from role_templates import ANSIBLE_MANAGED, environment, render_template

ROLE = ROOT / "roles" / "keepalived"
KEEPALIVED = shutil.which("keepalived", path="/usr/sbin:/usr/bin:/sbin:/bin")
CHECK_TIMEOUT = 30
"""Seconds one keepalived config test may take (it answers in well under one)."""

needs_keepalived = pytest.mark.skipif(
    KEEPALIVED is None or os.geteuid() != 0 or shutil.which("unshare") is None,
    reason="needs root, unshare and Debian's keepalived (scripts/install-system-packages)",
)


def role_context(host: str, **overrides: Any) -> dict[str, Any]:
    """What the role's templates see on `host` of danang: its defaults, the inventory's inputs, its vars."""
    province = load_province(ROOT / "provinces" / "danang.yml")
    inputs = province_inventory(province, lab=False, controller_state=Path("/state")).host_vars[host]
    context: dict[str, Any] = {
        **yaml.safe_load((ROLE / "defaults" / "main.yml").read_text(encoding="utf-8")),
        **{key: value for key, value in inputs.items() if key.startswith("keepalived_")},
        "inventory_hostname": host,
        "ansible_managed": ANSIBLE_MANAGED,
        **overrides,
    }
    templates = environment()
    for key, value in yaml.safe_load((ROLE / "vars" / "main.yml").read_text(encoding="utf-8")).items():
        rendered = templates.from_string(value).render(context) if isinstance(value, str) else value
        context[key] = overrides.get(key, rendered)
    return context


def render(template: str, context: dict[str, Any], destination: Path) -> Path:
    return render_template("keepalived", template, context, destination)


def check_config(
    host: str, tmp_path: Path, bridge: str | None = None, **overrides: Any
) -> subprocess.CompletedProcess[str]:
    """Render the role's files for `host` into `tmp_path` and run its checker on the configuration, in
    a network namespace whose bridge carries the instance's interface name (or `bridge`)."""
    checker = render("usr/local/sbin/provcloud-keepalived-check-config", role_context(host), tmp_path / "check-config")
    script = render("usr/local/sbin/provcloud-keepalived-check", role_context(host), tmp_path / "check")
    holder = render("usr/local/sbin/provcloud-keepalived-holder", role_context(host), tmp_path / "holder")
    context = role_context(
        host, __keepalived_check_script=str(script), __keepalived_holder_script=str(holder), **overrides
    )
    config = render("etc/keepalived/keepalived.conf", context, tmp_path / "keepalived.conf")
    interface = bridge or context["keepalived_interface"]
    return subprocess.run(
        ["unshare", "--net", "sh", "-c", 'ip link add "$1" type bridge && exec "$2" "$3"', "sh",
         interface, str(checker), str(config)],
        capture_output=True, text=True, timeout=CHECK_TIMEOUT, check=False,
    )  # fmt: skip


@needs_keepalived
@pytest.mark.parametrize("host", ["lgsp-01", "lgsp-02", "docsys-app-01", "docsys-app-02"])
def test_keepalived_accepts_the_rendered_configuration(host: str, tmp_path: Path) -> None:
    result = check_config(host, tmp_path)
    assert result.returncode == 0, f"keepalived refused {host}'s configuration:\n{result.stderr}"


@needs_keepalived
@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"keepalived_virtual_router_id": 256}, "VRID '256' not valid"),
        ({"keepalived_unicast_source": "10.48.0"}, "malformed src address"),
        ({"keepalived_interface": "nosuchlink"}, "interface nosuchlink for vrrp_instance lgsp_node doesn't exist"),
    ],
)
def test_keepalived_refuses_a_broken_configuration(overrides: dict[str, Any], error: str, tmp_path: Path) -> None:
    """The check can fail: a value keepalived cannot run with stops the template task, naming it."""
    result = check_config("lgsp-01", tmp_path, bridge="dmz", **overrides)
    assert result.returncode != 0, f"keepalived accepted {overrides}"
    assert error in result.stderr, result.stderr


def test_the_configuration_says_what_the_pair_needs(tmp_path: Path) -> None:
    config = render("etc/keepalived/keepalived.conf", role_context("lgsp-02"), tmp_path / "keepalived.conf").read_text()
    for expected in (
        "vrrp_instance lgsp_node {",
        "state BACKUP",
        "nopreempt",
        "interface dmz",
        "virtual_router_id 10",
        "priority 190",
        "unicast_src_ip 10.48.0.12",
        "unicast_peer {\n        10.48.0.11\n    }",
        "10.48.0.10/24 dev dmz",
        'script "/usr/local/sbin/provcloud-keepalived-check https://127.0.0.1:443/healthz"',
        "track_script {\n        lgsp_node_nginx\n    }",
        "script_user nobody nogroup",
    ):
        assert expected in config, f"missing in lgsp-02's keepalived.conf: {expected!r}\n{config}"
    assert "vrrp_strict" not in config.replace("# No vrrp_strict", ""), "vrrp_strict forbids unicast peers"


def test_the_scheduler_follows_the_document_systems_address_and_nothing_follows_the_lgsp_nodes(
    tmp_path: Path,
) -> None:
    """On danang's document-system pair keepalived starts docsystem-beat where it takes the address and
    stops it wherever it gives it up; the LGSP pair has nothing that runs on the holder only."""
    application = render("etc/keepalived/keepalived.conf", role_context("docsys-app-02"), tmp_path / "app.conf")
    for state, action in (("master", "start"), ("backup", "stop"), ("fault", "stop"), ("stop", "stop")):
        line = f'notify_{state} "/usr/local/sbin/provcloud-keepalived-holder {action}" root'
        assert line in application.read_text(), f"missing: {line}"
    node = render("etc/keepalived/keepalived.conf", role_context("lgsp-01"), tmp_path / "node.conf")
    assert "notify_" not in node.read_text()


@pytest.mark.parametrize(("argument", "expected"), [("start", "--no-block start docsystem-beat"),
                                                    ("stop", "--no-block stop docsystem-beat")])  # fmt: skip
def test_the_holder_script_starts_and_stops_its_units_without_waiting(
    argument: str, expected: str, tmp_path: Path
) -> None:
    script = render("usr/local/sbin/provcloud-keepalived-holder", role_context("docsys-app-01"), tmp_path / "holder")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "systemctl").write_text('#!/bin/sh\necho "$@"\n')
    (bin_dir / "systemctl").chmod(0o755)
    environment = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    ran = subprocess.run([str(script), argument], capture_output=True, text=True, env=environment, check=False)
    assert ran.returncode == 0 and ran.stdout.strip() == expected, ran.stdout + ran.stderr
    refused = subprocess.run([str(script), "restart"], capture_output=True, text=True, env=environment, check=False)
    assert refused.returncode == 2 and not refused.stdout, "an unknown action must run nothing"


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(int(self.path.strip("/")))
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[str]:
    """A loopback HTTP server answering `/<status>` with that status."""
    with serve_on_loopback(_Answer) as url:
        yield url


@pytest.mark.skipif(shutil.which("curl") is None, reason="the health check runs curl")
@pytest.mark.parametrize(("status", "healthy"), [(200, True), (302, True), (401, True), (502, False), (503, False)])
def test_health_check_passes_while_nginx_answers_below_500(
    status: int, healthy: bool, local_server: str, tmp_path: Path
) -> None:
    script = render("usr/local/sbin/provcloud-keepalived-check", role_context("docsys-app-01"), tmp_path / "check")
    result = subprocess.run([str(script), f"{local_server}/{status}"], capture_output=True, text=True, check=False)
    assert (result.returncode == 0) is healthy, f"status {status}: exit {result.returncode}, {result.stderr}"


@pytest.mark.skipif(shutil.which("curl") is None, reason="the health check runs curl")
def test_health_check_fails_when_nothing_answers(tmp_path: Path) -> None:
    script = render("usr/local/sbin/provcloud-keepalived-check", role_context("lgsp-01"), tmp_path / "check")
    result = subprocess.run([str(script), "http://127.0.0.1:9/healthz"], capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "answered 000" in result.stderr, result.stderr
