"""The exchange node as its service runs it: `python -m provcloud.exchange.daemon SETTINGS` as its own
process, mutual TLS, a fake document system on loopback. One province, two agencies: a document
an agency puts in its outbox reaches the other's inbox through the node, with no national hop."""

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from axis.pki import Issued, agency_certificate, node_certificate, provincial_ca
from conftest import ROOT
from docsystem.fake_mayan import ADMIN, FakeMayan, serving
from exchange.conftest import agency_layout, outbox_document
from provcloud.edxml.model import Organ
from provcloud.exchange.mayan import INBOX, STATUS, MayanFiling
from provcloud.exchange.transport import Unreachable, post

FINANCE = Organ("000.03.00.H49", "Sở Tài chính tỉnh Quảng Ninh")
HEALTH = Organ("000.05.00.H49", "Sở Y tế tỉnh Quảng Ninh")
LETTER = b"%PDF-1.7\n" + bytes(range(256)) * 16


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@dataclass
class Province:
    mayan: FakeMayan
    filing: MayanFiling
    settings: Path
    endpoint: str
    node_tls: dict[str, Path]


def settings_for(tmp_path: Path, docsystem: str, port: int, national: Issued) -> tuple[dict[str, Any], dict[str, Path]]:
    ca = provincial_ca("Quảng Ninh")
    node = node_certificate(national, "lgsp.quangninh.test")
    files = {
        "certificate": write(tmp_path / "tls" / "node.crt", node.pem),
        "private_key": write(tmp_path / "tls" / "node.key", node.key_pem),
        "ca": write(tmp_path / "tls" / "national-ca.crt", national.pem),
    }
    agencies = []
    for organ in (FINANCE, HEALTH):
        signing = agency_certificate(ca, organ.organ_id)
        agencies.append(
            {
                "organ_id": organ.organ_id,
                "name": organ.organ_name,
                "key": str(write(tmp_path / "signing" / f"{organ.organ_id}.key", signing.key_pem)),
                "certificate": str(write(tmp_path / "signing" / f"{organ.organ_id}.crt", signing.pem)),
            }
        )
    settings = {
        "node": "lgsp-01.quangninh",
        "listen": f"127.0.0.1:{port}",
        "endpoint": f"https://127.0.0.1:{port}",
        "state_dir": str(tmp_path / "state"),
        "trust": [str(write(tmp_path / "trust" / "h49.crt", ca.pem))],
        "tls": {
            "certificate": str(files["certificate"]),
            "private_key": str(files["private_key"]),
            "client_ca": str(files["ca"]),
            "server_ca": str(files["ca"]),
        },
        "province": {
            "code": "H49",
            "national": "https://127.0.0.1:9",  # never reached: both agencies are the province's
            "place": "Hạ Long",
            "poll_seconds": 0.2,
            "docsystem": {"url": docsystem, "token_file": str(write(tmp_path / "docsystem.token", b"exchange\n"))},
            "agencies": agencies,
        },
    }
    return settings, files


@pytest.fixture
def province(tmp_path: Path) -> Iterator[Province]:
    mayan = FakeMayan()
    for organ in (FINANCE, HEALTH):
        agency_layout(mayan, organ)
    mayan.tokens["exchange"] = mayan.user(ADMIN)["id"]
    with serving(mayan) as url:
        port = free_port()
        settings, files = settings_for(tmp_path, url, port, provincial_ca("national"))
        path = tmp_path / "node.yml"
        path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
        yield Province(mayan, MayanFiling(url, "exchange"), path, f"https://127.0.0.1:{port}", files)


def start(settings: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "provcloud.exchange.daemon", str(settings)],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Any, what: str, process: subprocess.Popen[str], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the node exited ({process.returncode}) while waiting for {what}: {process.stderr}")
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=30)
    return process.returncode, errors


def test_a_document_in_an_outbox_reaches_the_other_agencys_inbox_through_the_node(province: Province) -> None:
    process = start(province.settings)
    try:
        sent = outbox_document(province.mayan, province.filing, FINANCE, LETTER, "125", HEALTH.organ_id, "Về việc y tế")
        inbox = province.filing.cabinet(HEALTH.organ_id, INBOX)

        def received() -> list[int]:
            with province.mayan.lock:
                return list(province.mayan.cabinet_documents.get(inbox, []))

        filed = wait_for(received, "the document in the health department's inbox", process)
        assert len(filed) == 1
        with province.mayan.lock:
            content = province.mayan.files[filed[0]][0]["content"]
        assert content == LETTER, "the filed document differs from the one sent"
        status = wait_for(
            lambda: province.filing.metadata(sent).get(STATUS), "the status on the sent document", process
        )
        assert status[1] == f"{HEALTH.organ_id}: inbox"

        # The health department's clerk takes the letter up, then closes it: the sender sees both.
        for label in ("accepted", "done"):
            province.filing.set_metadata(filed[0], {STATUS: label})
            wait_for(
                lambda: province.filing.metadata(sent)[STATUS][1] == f"{HEALTH.organ_id}: {label}",  # noqa: B023
                f"{label} on the sent document",
                process,
            )
        with province.mayan.lock:
            comments = province.mayan.comments[sent]
        assert [comment.split()[1] for comment in comments] == ["inbox", "accepted", "done"], comments
    finally:
        code, errors = stop(process)
    assert code == 0, errors
    assert "answering on https://127.0.0.1" in errors and "stopped" in errors
    assert "Traceback" not in errors


def test_a_caller_without_a_client_certificate_of_the_national_ca_is_refused(province: Province) -> None:
    process = start(province.settings)
    try:
        anonymous = ssl.create_default_context(cafile=str(province.node_tls["ca"]))
        wait_for(lambda: _listening(province.endpoint), "the node to listen", process)
        with pytest.raises(Unreachable):
            post(province.endpoint, "messages", HEALTH.organ_id, b"<edXML/>", context=anonymous, timeout=5)
    finally:
        code, errors = stop(process)
    assert code == 0 and "failed" in errors, errors  # one line for the refused handshake, no traceback
    assert "Traceback" not in errors


def _listening(endpoint: str) -> bool:
    host, port = endpoint.removeprefix("https://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s.update(colour="blue"), "node.yml:1:1: colour"),
        (lambda s: s["province"].update(code="49"), "province.code"),
        (lambda s: s.update(state_dir="state"), "is not an absolute path"),
        (lambda s: s.update(routing_table="/etc/routing.yml"), "one of them"),
        (lambda s: s["province"]["agencies"][0].update(organ_id="000.03.00.H29"), "is not of province H49"),
    ],
)
def test_a_wrong_settings_file_stops_the_start_naming_the_field(province: Province, change: Any, expected: str) -> None:
    settings = yaml.safe_load(province.settings.read_text(encoding="utf-8"))
    change(settings)
    province.settings.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "provcloud.exchange.daemon", str(province.settings)],
        capture_output=True, text=True, timeout=60, check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_a_tls_certificate_as_an_agency_signing_key_stops_the_start(province: Province) -> None:
    settings = yaml.safe_load(province.settings.read_text(encoding="utf-8"))
    settings["province"]["agencies"][0]["certificate"] = str(province.node_tls["certificate"])
    settings["province"]["agencies"][0]["key"] = str(province.node_tls["private_key"])
    province.settings.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "provcloud.exchange.daemon", str(province.settings)],
        capture_output=True, text=True, timeout=60, check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 1
    assert f"{province.node_tls['certificate']}: certificate" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_provcloud_axis_serve_reports_a_missing_settings_file_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "provcloud"), "axis", "serve", str(tmp_path / "absent.yml")],
        capture_output=True, text=True, timeout=60, check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 1
    assert "absent.yml:1:1: (file): cannot read" in result.stderr
    assert "Traceback" not in result.stderr
