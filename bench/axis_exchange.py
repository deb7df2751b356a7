"""Benchmark: documents through the axis, sender's outbox to receiver's inbox, in-process.

Two provinces (Quảng Ninh H49 → Hồ Chí Minh City H29), each with its exchange node, message log,
queue and receipts and a stand-in document system (tests/docsystem/fake_mayan.py), and the national
peer between them, over loopback HTTP (plain: TLS and the lab's Mayan are not in this loop). One
document's path: packaged and signed from the outbox, queued, posted to the national peer, which
parses it and forwards it, verified and filed by the receiver, answered with a signed `inbox` notice
that the sender verifies and records on its document.

- latency: one document at a time, from the outbox pass to the notice recorded (median, p95);
- throughput: a batch in the outbox, one pass and one delivery round, documents per minute.
The exchange service's poll interval (10 s by default) is not counted. The national platform
averages about 18 transactions a minute (DOMAIN.md).
"""

import os
import platform
import statistics
import sys
import tempfile
import time
from itertools import count
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The fake document system and the throw-away PKI, in place of this folder (bench/docsystem.py would
# shadow tests/docsystem/).
sys.path[0] = str(ROOT / "tests")

import docsystem.fake_mayan  # noqa: E402
from axis.pki import provincial_ca  # noqa: E402
from exchange.conftest import Axis, two_provinces  # noqa: E402
from provcloud.edxml.certificates import TrustList  # noqa: E402

SIZES = {"1 KB": (1024, 30, 60), "5 MB": (5 * 2**20, 5, 5)}
"""Attachment size, documents sent one at a time (latency), documents in one batch (throughput)."""
NATIONAL_AVERAGE_PER_MINUTE = 18
NUMBERS = count(1000)
# Pages of 100 as the adapter asks and Mayan answers (the fake caps them at 2 so that the tests page).
docsystem.fake_mayan.PAGE_SIZE = 100


def one_at_a_time(axis: Axis, content: bytes) -> float:
    """Seconds from the outbox pass to the receiver's notice recorded on the sender's document."""
    axis.h49.outbox_document(content, str(next(NUMBERS)), axis.h29.agency.organ_id)
    started = time.perf_counter()
    assert axis.h49.send() == 1
    assert axis.h49.node.deliver_due() == 1
    return time.perf_counter() - started


def batch(axis: Axis, content: bytes, documents: int) -> float:
    """Documents per minute for `documents` put in the outbox at once."""
    for _ in range(documents):
        axis.h49.outbox_document(content, str(next(NUMBERS)), axis.h29.agency.organ_id)
    started = time.perf_counter()
    assert axis.h49.send() == documents
    assert axis.h49.node.deliver_due() == documents
    return documents * 60 / (time.perf_counter() - started)


def main() -> None:
    machine = f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"# documents through the axis, in-process (H49 → national peer → H29) — {machine}")
    print("| document | latency runs | median (ms) | p95 (ms) | batch | documents per minute | × national average |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    cas = {"H49": provincial_ca("Quảng Ninh"), "H29": provincial_ca("TP. Hồ Chí Minh", kind="rsa")}
    trust = TrustList(tuple(ca.certificate for ca in cas.values()))
    for label, (size, runs, documents) in SIZES.items():
        content = b"%PDF-1.7\n" + os.urandom(size)
        with tempfile.TemporaryDirectory() as folder, two_provinces(Path(folder), cas, trust) as axis:
            times = sorted(one_at_a_time(axis, content) * 1000 for _ in range(runs))
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            per_minute = batch(axis, content, documents)
            filed = len(axis.h29.documents_in("inbox"))
            assert filed == runs + documents, f"{filed} filed of {runs + documents} sent"
        print(
            f"| {label} | {runs} | {statistics.median(times):.0f} | {p95:.0f} | {documents} | {per_minute:,.0f} "
            f"| {per_minute / NATIONAL_AVERAGE_PER_MINUTE:,.0f}× |"
        )


if __name__ == "__main__":
    main()
