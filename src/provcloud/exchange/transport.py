"""One POST to another node's exchange endpoint."""

import http.client
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote

CONTENT_TYPE = "application/xml"
TIMEOUT = 30.0


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes


class Unreachable(Exception):
    """No HTTP answer (refused, timed out) or a 5xx: the message waits and is sent again."""


def post(
    endpoint: str, kind: str, to: str, data: bytes, *, timeout: float = TIMEOUT, context: ssl.SSLContext | None = None
) -> Reply:
    """POST `data` to `<endpoint>/<kind>?to=<to>`; Unreachable when the other side cannot answer now.
    `context`: the caller's client certificate and the CAs it trusts, for an https endpoint."""
    request = urllib.request.Request(
        f"{endpoint}/{kind}?to={quote(to)}", data=data, headers={"Content-Type": CONTENT_TYPE}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return Reply(response.status, response.read())
    except urllib.error.HTTPError as error:
        if error.code >= 500:
            raise Unreachable(f"{endpoint}: HTTP {error.code}") from None
        return Reply(error.code, error.read())
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        raise Unreachable(f"{endpoint}: {error}") from None
