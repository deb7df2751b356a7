"""Calls through the LGSP node for the lab tests: from the host as an agency's system (taking the
agency's source address on the tenants' bridge), and from inside a lab machine."""

import base64
import http.client
import json
import ssl
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Address
from pathlib import Path

from lab.conftest import Lab
from provcloud.controller_state import state_dir
from provcloud.gateway import Answer, ConsumerCredentials, call, consumer_credentials, consumers, lgsp_node
from provcloud.lab.tenant_client import source_address, tenant_address


@dataclass(frozen=True)
class Consumer:
    slug: str
    credentials: ConsumerCredentials
    source: IPv4Address


def consumers_of(lab: Lab) -> dict[str, Consumer]:
    state = state_dir(lab.province.slug)
    return {
        agency.slug: Consumer(agency.slug, consumer_credentials(state, agency.slug), source_address(agency))
        for agency in consumers(lab.province)
    }


@contextmanager
def tenant_addresses(lab: Lab) -> Iterator[dict[str, Consumer]]:
    """Every consumer's source address on the host for the time of the tests, removed afterwards."""
    found = consumers_of(lab)
    with ExitStack() as stack:
        for consumer in found.values():
            stack.enter_context(tenant_address(lab.province, consumer.source))
        yield found


def node_address(lab: Lab) -> IPv4Address:
    return lgsp_node(lab.province).ip


def get(
    lab: Lab,
    path: str,
    *,
    certificate_of: Consumer | None,
    token_of: Consumer | None,
    source: IPv4Address,
    address: IPv4Address | None = None,
    ca: Path | None = None,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Answer:
    any_consumer = next(iter(consumers_of(lab).values()))
    return call(
        address or node_address(lab),
        path,
        ca=ca or any_consumer.credentials.ca,
        client=(certificate_of.credentials.certificate, certificate_of.credentials.private_key)
        if certificate_of
        else None,
        token=token_of.credentials.token if token_of else None,
        source=source,
        method=method,
        headers=headers,
        body=body,
    )


REMOTE_CALL = """
import http.client, json, os, ssl, sys, tempfile
address, path, ca, certificate, key, token = sys.argv[1:7]
context = ssl.create_default_context(cafile=ca)
with tempfile.TemporaryDirectory() as folder:
    if certificate:
        open(os.path.join(folder, "c"), "w").write(certificate)
        open(os.path.join(folder, "k"), "w").write(key)
        context.load_cert_chain(os.path.join(folder, "c"), os.path.join(folder, "k"))
    connection = http.client.HTTPSConnection(address, 443, context=context, timeout=10)
    connection.request("GET", path, headers={"Authorization": "Bearer " + token} if token else {})
    response = connection.getresponse()
    print(json.dumps({"status": response.status, "headers": {k.lower(): v for k, v in response.getheaders()},
                      "body": response.read().decode()}))
"""


def get_from_machine(
    lab: Lab,
    machine: str,
    address: IPv4Address,
    path: str,
    *,
    consumer: Consumer | None,
    ca: str = "/etc/provcloud/pki/ca.crt",
) -> Answer:
    """GET from inside a lab machine (Python's standard library there; the consumer's certificate,
    key and token passed for the call and removed right after)."""
    arguments = [str(address), path, ca, "", "", ""]
    if consumer:
        arguments[3:] = [
            consumer.credentials.certificate.read_text(),
            consumer.credentials.private_key.read_text(),
            consumer.credentials.token,
        ]
    payload = base64.b64encode(json.dumps([REMOTE_CALL, *arguments]).encode()).decode()
    decode = "import base64,json,sys; a=json.loads(base64.b64decode(sys.argv[1])); sys.argv=['-']+a[1:]; exec(a[0])"
    result = lab.ssh(machine, f"python3 -c {_quote(decode)} {payload}")
    if result.returncode != 0:
        return Answer(0, {}, result.stderr.strip())
    data = json.loads(result.stdout)
    return Answer(data["status"], data["headers"], data["body"])


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def run_host(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


def flood(lab: Lab, consumer: Consumer, path: str, *, connections: int, requests: int) -> tuple[list[int], float]:
    """`requests` GETs on each of `connections` kept-alive connections at once; statuses and seconds taken."""
    context = ssl.create_default_context(cafile=str(consumer.credentials.ca))
    context.load_cert_chain(str(consumer.credentials.certificate), str(consumer.credentials.private_key))
    headers = {"Authorization": f"Bearer {consumer.credentials.token}"}

    def one_connection(_: int) -> list[int]:
        connection = http.client.HTTPSConnection(
            str(node_address(lab)), 443, context=context, timeout=30, source_address=(str(consumer.source), 0)
        )
        statuses = []
        try:
            for _request in range(requests):
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                statuses.append(response.status)
        finally:
            connection.close()
        return statuses

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=connections) as pool:
        statuses = [status for batch in pool.map(one_connection, range(connections)) for status in batch]
    return statuses, time.monotonic() - started
