"""The exchange's HTTP answers to requests it cannot take: a user (or a misconfigured node) sees why."""

import http.client
from urllib.parse import urlsplit

import pytest

from exchange.conftest import LETTER, Axis
from provcloud.exchange.service import MAX_BODY


def request(
    url: str, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, str]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers={"Content-Type": "application/xml", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "answer"),
    [
        ("GET", "/messages?to=000.05.00.H29", {}, 405, "only POST is answered"),
        ("POST", "/letters?to=000.05.00.H29", {}, 404, "POST /messages?to=ORGAN_ID or /notices?to=ORGAN_ID"),
        ("POST", "/messages", {}, 400, "name the recipient once: ?to=ORGAN_ID"),
        ("POST", "/messages?to=000.05.00.H29", {"Content-Type": "application/json"}, 415, "Content-Type must be"),
        ("POST", "/messages?to=000.05.00.H29", {"Content-Length": str(MAX_BODY + 1)}, 413, "over the limit"),
        ("POST", "/messages?to=000.05.00", {}, 400, "does not end in a province code"),
        ("POST", "/messages?to=000.09.00.H29", {}, 404, "no agency 000.09.00.H29 at lgsp-h29"),
        ("POST", "/messages?to=000.05.00.H29", {}, 400, "not well-formed"),
    ],
)
def test_a_request_the_exchange_cannot_take_is_answered_with_why(
    axis: Axis, method: str, path: str, headers: dict[str, str], status: int, answer: str
) -> None:
    body = b"" if "Content-Length" in headers else b"<not-edxml"
    got = request(axis.h29.node.endpoint, method, path, body, headers)
    assert got[0] == status, got
    assert answer in got[1], got


def test_a_message_for_another_province_with_the_national_peer_down_is_answered_503(axis: Axis) -> None:
    axis.national_down()
    status, answer = request(axis.h49.node.endpoint, "POST", "/messages?to=000.05.00.H29", b"<not-edxml/>")
    assert status in (400, 503), answer  # parsed before forwarding: garbage is refused here
    status, answer = request(axis.h49.node.endpoint, "POST", "/messages?to=000.05.00.H29", axis_letter(axis))
    assert status == 503, answer
    assert "send again later" in answer


def axis_letter(axis: Axis) -> bytes:
    axis.h49.outbox_document(LETTER, "130", axis.h29.agency.organ_id)
    axis.h49.send()
    assert axis.h49.node.local is not None
    return axis.h49.node.local.queue.all()[0].message
