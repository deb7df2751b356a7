"""Attack tests: malformed or hostile edXML is refused with a reason, and nothing of it is read."""

import base64
from pathlib import Path

import pytest
from lxml import etree

from axis.conftest import letter
from provcloud.edxml.build import to_bytes
from provcloud.edxml.errors import MessageRefused
from provcloud.edxml.model import NAMESPACE, Attachment
from provcloud.edxml.parse import DEFAULT_LIMITS, Limits, _parser, parse


def refusal(data: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    with pytest.raises(MessageRefused) as refused:
        parse(data, limits=limits)
    return refused.value.reason


def test_external_entity_xxe_is_refused_and_the_file_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("TOP SECRET")
    hostile = to_bytes(letter(subject="PLACEHOLDER")).replace(b"PLACEHOLDER", b"&xxe;")
    hostile = hostile.replace(b"?>\n", f'?>\n<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'.encode(), 1)
    reason = refusal(hostile)
    assert "DOCTYPE" in reason
    assert "TOP SECRET" not in reason


def test_billion_laughs_entity_expansion_is_refused() -> None:
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    hostile = (
        f'<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY l0 "ha">{laughs}]><edXML xmlns="{NAMESPACE}">&l9;</edXML>'
    ).encode()
    assert "DOCTYPE" in refusal(hostile)


def test_a_doctype_hidden_in_utf16_is_refused_too() -> None:
    hostile = f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE edXML [<!ENTITY a "b">]><edXML xmlns="{NAMESPACE}"/>'
    assert "DOCTYPE" in refusal(hostile.encode("utf-16"))


def test_the_wrong_namespace_is_refused_naming_both() -> None:
    hostile = to_bytes(letter()).replace(NAMESPACE.encode(), b"http://www.mic.gov.vn/TBT/QCVN_102_2015")
    reason = refusal(hostile)
    assert "QCVN_102_2015" in reason and NAMESPACE in reason


def test_a_message_over_the_size_limit_is_refused_before_parsing() -> None:
    data = to_bytes(letter())
    assert "over the limit" in refusal(data, Limits(message_bytes=len(data) - 1))


def test_an_attachment_over_its_limit_is_refused_before_decoding() -> None:
    data = to_bytes(letter(attachments=(Attachment("big", "big.pdf", "application/pdf", b"x" * 5000),)))
    reason = refusal(data, Limits(attachment_bytes=4000))
    assert "'big.pdf'" in reason and "over the limit of 4,000" in reason


def test_an_attachment_not_declared_in_the_manifest_is_refused() -> None:
    extra = (
        "<Attachment><ContentId>smuggled</ContentId><AttachmentName>run.exe</AttachmentName>"
        "<ContentType>application/octet-stream</ContentType>"
        f"<ContentTransferEncoded>{base64.b64encode(b'MZ').decode()}</ContentTransferEncoded></Attachment>"
    )
    hostile = to_bytes(letter()).replace(b"</AttachmentEncoded>", extra.encode() + b"</AttachmentEncoded>")
    assert refusal(hostile) == "attachment 'smuggled' is carried but not declared in edXMLManifest"


def test_an_attachment_declared_but_not_carried_is_refused() -> None:
    data = to_bytes(letter())
    start, end = data.index(b"<AttachmentEncoded>"), data.index(b"</AttachmentEncoded>") + len(b"</AttachmentEncoded>")
    assert refusal(data[:start] + data[end:]) == "attachment 'cv125' is declared in edXMLManifest but not carried"


def test_an_attachment_renamed_outside_the_manifest_is_refused() -> None:
    data = to_bytes(letter())
    tail = data.index(b"<AttachmentEncoded>")
    hostile = data[:tail] + data[tail:].replace(b"125-STC-NS.pdf", b"125-STC-NS.pdf.exe")
    assert "differs from its manifest Reference" in refusal(hostile)


@pytest.mark.parametrize("name", ["../../etc/cron.d/x", "..", "C:\\evil.bat"])
def test_an_attachment_name_that_is_a_path_is_refused(name: str) -> None:
    hostile = to_bytes(letter()).replace(b"125-STC-NS.pdf", name.encode())
    assert "AttachmentName" in refusal(hostile)


def test_bytes_that_are_not_xml_are_refused_with_the_line() -> None:
    assert refusal(b"<edXML>\n<unclosed>").startswith("not well-formed XML: line 2")


def test_an_unknown_element_is_refused_naming_it() -> None:
    hostile = to_bytes(letter()).replace(b"<Subject>", b"<Script>x</Script><Subject>")
    reason = refusal(hostile)
    assert reason.startswith("does not match the edXML schema: line ") and "Script" in reason


def test_an_invalid_date_is_refused_naming_the_field() -> None:
    hostile = to_bytes(letter()).replace(b"2026/12/03</PromulgationDate>", b"2026/02/30</PromulgationDate>")
    assert refusal(hostile) == "PromulgationInfo/PromulgationDate '2026/02/30' is not a date (yyyy/MM/dd)"


def test_attachment_content_that_is_not_base64_is_refused() -> None:
    data = to_bytes(letter())
    encoded = base64.b64encode(letter().attachments[0].content)
    assert "does not match the edXML schema" in refusal(data.replace(encoded, b"!!!" + encoded[3:]))


# The byte check above refuses DTDs before lxml sees them; the parser underneath must be safe on its own.


def test_the_parser_itself_never_reads_an_external_entity(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("TOP SECRET")
    hostile = f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]><x>&xxe;</x>'.encode()
    assert b"TOP SECRET" not in etree.tostring(etree.fromstring(hostile, _parser()))


def test_the_parser_itself_never_expands_entities() -> None:
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    hostile = f'<!DOCTYPE x [<!ENTITY l0 "ha">{laughs}]><x>&l9;</x>'.encode()
    # libxml2 stops at its amplification limit (kept on: no huge_tree) rather than expand.
    with pytest.raises(etree.XMLSyntaxError, match="amplification"):
        etree.fromstring(hostile, _parser())
