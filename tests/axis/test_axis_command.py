"""`provcloud axis inspect | verify | trace` as an operator runs them: output, exit codes, no tracebacks."""

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from axis.conftest import RECIPIENT, letter
from axis.pki import Issued
from conftest import run_provcloud
from provcloud.edxml.build import to_bytes
from provcloud.edxml.model import Status
from provcloud.edxml.notices import notice_for
from provcloud.edxml.signing import sign
from provcloud.message_log import Event, MessageLog, entry_for


def assert_clean_failure(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for text in expected:
        assert text in result.stderr, f"{text!r} not in: {result.stderr}"


@pytest.fixture(scope="module")
def signed_letter(
    tmp_path_factory: pytest.TempPathFactory, sender_signing: Issued, quang_ninh_ca: Issued, hcmc_ca: Issued
) -> Path:
    folder = tmp_path_factory.mktemp("axis")
    (folder / "letter.edxml").write_bytes(sign(letter(), sender_signing.key, [sender_signing.certificate]))
    (folder / "quang-ninh-ca.pem").write_bytes(quang_ninh_ca.pem)
    (folder / "hcmc-ca.pem").write_bytes(hcmc_ca.pem)
    return folder


def test_inspect_shows_parties_number_subject_attachments_and_a_valid_signature(signed_letter: Path) -> None:
    result = run_provcloud(
        "axis", "inspect", str(signed_letter / "letter.edxml"),
        "--trust", str(signed_letter / "quang-ninh-ca.pem"), "--trust", str(signed_letter / "hcmc-ca.pem"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    attachment = letter().attachments[0]
    for shown in ("000.03.00.H49", "000.05.00.H29 Sở Y tế", "125/STC-NS", "2026-12-03", "quyết toán", "125-STC-NS.pdf",
                  f"{attachment.size:,}", attachment.digest, "valid", "000.03.00.H49 document signing"):  # fmt: skip
        assert shown in result.stdout, f"{shown!r} not shown:\n{result.stdout}"


def test_inspect_without_trust_says_the_signature_was_not_checked(signed_letter: Path) -> None:
    result = run_provcloud("axis", "inspect", str(signed_letter / "letter.edxml"))
    assert result.returncode == 0
    assert "present, not checked" in result.stdout


def test_inspect_refuses_a_tampered_message_with_the_reason(signed_letter: Path, tmp_path: Path) -> None:
    tampered = tmp_path / "tampered.edxml"
    tampered.write_bytes((signed_letter / "letter.edxml").read_bytes().replace("quyết toán".encode(), b"tam ung"))
    result = run_provcloud("axis", "inspect", str(tampered), "--trust", str(signed_letter / "quang-ninh-ca.pem"))
    assert_clean_failure(result, str(tampered), "digest mismatch")


def test_inspect_refuses_a_message_signed_by_a_ca_not_given(signed_letter: Path) -> None:
    result = run_provcloud(
        "axis", "inspect", str(signed_letter / "letter.edxml"), "--trust", str(signed_letter / "hcmc-ca.pem")
    )
    assert_clean_failure(result, "does not chain to a trusted CA")


def test_inspect_user_mistakes_are_one_line_errors(tmp_path: Path) -> None:
    assert_clean_failure(
        run_provcloud("axis", "inspect", str(tmp_path / "missing.edxml")), "missing.edxml: cannot read"
    )
    bad = tmp_path / "bad.edxml"
    bad.write_text("<edXML>")
    assert_clean_failure(run_provcloud("axis", "inspect", str(bad)), "bad.edxml: not well-formed XML: line 1")
    assert_clean_failure(
        run_provcloud("axis", "inspect", str(bad), "--trust", str(bad)), "bad.edxml: not a PEM certificate file"
    )


def test_verify_passes_an_intact_log_and_fails_an_edited_one_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "lgsp-h49.log"
    log = MessageLog(path)
    document = letter()
    log.append(entry_for(to_bytes(document), document, node="lgsp-h49", event=Event.SENT))
    notice = notice_for(document, RECIPIENT, Status.ACCEPTED, datetime(2026, 12, 3, 9, 0))
    log.append(entry_for(to_bytes(notice), notice, node="lgsp-h49", event=Event.NOTICE))
    intact = run_provcloud("axis", "verify", str(path))
    assert intact.returncode == 0 and "2 entries, chain intact" in intact.stdout
    path.write_text(path.read_text().replace('"accepted"', '"done"'))
    assert_clean_failure(run_provcloud("axis", "verify", str(path)), f"{path}:2: the line's hash does not match")
    assert_clean_failure(run_provcloud("axis", "verify", str(tmp_path / "none.log")), "none.log: cannot read")


def test_trace_shows_the_path_and_statuses_and_flags_a_changed_document(tmp_path: Path) -> None:
    document = letter()
    data = to_bytes(document)
    at = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    sender_node, peer, receiver_node = (MessageLog(tmp_path / f"{name}.log") for name in ("h49", "national", "h29"))
    sender_node.append(entry_for(data, document, node="lgsp-h49", event=Event.SENT, at=at))
    peer.append(entry_for(data, document, node="national", event=Event.FORWARDED, at=at.replace(second=1)))
    receiver_node.append(entry_for(data, document, node="lgsp-h29", event=Event.RECEIVED, at=at.replace(second=2)))
    notice = notice_for(document, RECIPIENT, Status.INBOX, datetime(2026, 12, 3, 9, 0, 3))
    receiver_node.append(
        entry_for(to_bytes(notice), notice, node="lgsp-h29", event=Event.NOTICE, at=at.replace(second=3))
    )
    logs = [str(tmp_path / f"{name}.log") for name in ("h49", "national", "h29")]
    result = run_provcloud("axis", "trace", document.document_id, *logs)
    assert result.returncode == 0, result.stderr
    order = [result.stdout.index(text) for text in ("lgsp-h49", "national", "lgsp-h29", "inbox")]
    assert order == sorted(order), result.stdout
    assert "same document digest at every node" in result.stdout
    changed = to_bytes(letter(subject="changed"))
    receiver_node.append(entry_for(changed, document, node="lgsp-h29", event=Event.RECEIVED, at=at.replace(second=4)))
    assert_clean_failure(run_provcloud("axis", "trace", document.document_id, *logs), "the document changed in transit")
    assert_clean_failure(
        run_provcloud("axis", "trace", "nothing-such", *logs), "no entry for DocumentId 'nothing-such'"
    )


def test_inspect_shows_a_status_notice_and_refuses_a_fixture_with_its_reason() -> None:
    fixtures = Path(__file__).parent / "fixtures"
    notice = run_provcloud("axis", "inspect", str(fixtures / "valid" / "accepted-notice.edxml"))
    assert notice.returncode == 0, notice.stderr
    for shown in ("status notice · accepted (03)", "000.03.00.H49,2026/12/03,125/STC-NS", "Đã tiếp nhận", "unsigned"):
        assert shown in notice.stdout, f"{shown!r} not shown:\n{notice.stdout}"
    hostile = fixtures / "invalid" / "undeclared-attachment.edxml"
    assert_clean_failure(
        run_provcloud("axis", "inspect", str(hostile)),
        f"{hostile}: attachment 'smuggled' is carried but not declared in edXMLManifest",
    )


def test_inspect_shows_hostile_text_literally_markup_and_terminal_controls_included(tmp_path: Path) -> None:
    path = tmp_path / "hostile.edxml"
    path.write_bytes(to_bytes(letter(subject="[/] [bold red]KHẨN[/] \x9b2J cleared")))
    shown = run_provcloud("axis", "inspect", str(path))
    assert shown.returncode == 0, shown.stderr
    assert "[/] [bold red]KHẨN[/] \\x9b2J cleared" in shown.stdout, shown.stdout
    assert "\x9b" not in shown.stdout
    wrong = tmp_path / "wrong.edxml"
    wrong.write_bytes(b'<edXML xmlns="urn:[/oops]"/>')
    assert_clean_failure(run_provcloud("axis", "inspect", str(wrong)), "'urn:[/oops]'")
