"""Benchmark: edXML on the document axis, in-process (no network, no lab).

For a document whose attachment is 1 KB and one of 5 MB: the time to build and sign it (model →
XML → XSD check → XML-DSig) and to parse and verify it (safe parse → XSD → chain → signature →
model), median and p95 over N runs, with ECDSA P-256 and RSA-2048 agency keys; and the peak memory
of one 5 MB build+sign+verify in a fresh process. The national platform averages about 18
transactions a minute (DOMAIN.md): the "per minute" column says how far one core is above that.
"""

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the throw-away PKI the axis tests use

from axis.conftest import letter  # noqa: E402
from axis.pki import Issued, agency_certificate, provincial_ca  # noqa: E402
from provcloud.edxml.certificates import TrustList  # noqa: E402
from provcloud.edxml.model import Attachment, Document  # noqa: E402
from provcloud.edxml.signing import sign, verify  # noqa: E402

SIZES = {"1 KB": (1024, 200), "5 MB": (5 * 2**20, 15)}
"""Attachment size and how many runs."""
NATIONAL_AVERAGE_PER_MINUTE = 18


def document(size: int) -> Document:
    """The tests' letter (Quảng Ninh → TP. Hồ Chí Minh) with one attachment of `size` random bytes."""
    return letter(attachments=(Attachment("cv125", "125-STC-NS.pdf", "application/pdf", os.urandom(size)),))


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and p95 in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def pki(kind: str) -> tuple[Issued, TrustList]:
    ca = provincial_ca("Quảng Ninh", kind=kind)
    other = provincial_ca("TP. Hồ Chí Minh")
    return agency_certificate(ca, "000.03.00.H49", kind=kind), TrustList((other.certificate, ca.certificate))


def memory() -> None:
    """In a fresh process: peak RSS above the baseline for one 5 MB build+sign and parse+verify."""
    signing, trust = pki("ec")
    letter = document(5 * 2**20)
    baseline = _status("VmRSS")
    data = sign(letter, signing.key, [signing.certificate])
    verify(data, trust)
    print((_status("VmHWM") - baseline) / 1024)


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def main() -> None:
    machine = f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"# edXML build+sign / parse+verify — {machine}")
    print(
        "| document | key | runs | build+sign median (ms) | p95 | parse+verify median (ms) | p95 "
        "| signed+verified per minute, one core |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for label, (size, runs) in SIZES.items():
        for kind, key_name in (("ec", "ECDSA P-256"), ("rsa", "RSA-2048")):
            signing, trust = pki(kind)
            letter = document(size)
            data = sign(letter, signing.key, [signing.certificate])
            build = timed(lambda: sign(letter, signing.key, [signing.certificate]), runs)  # noqa: B023
            check = timed(lambda: verify(data, trust), runs)  # noqa: B023
            per_minute = 60_000 / (build[0] + check[0])
            print(
                f"| {label} ({len(data):,} bytes signed) | {key_name} | {runs} | {build[0]:.1f} | {build[1]:.1f} | "
                f"{check[0]:.1f} | {check[1]:.1f} | {per_minute:,.0f} "
                f"({per_minute / NATIONAL_AVERAGE_PER_MINUTE:,.0f}× the national average) |"
            )
    peak = subprocess.run([sys.executable, __file__, "--memory"], capture_output=True, text=True, check=True).stdout
    print(f"\npeak memory above baseline, one 5 MB document built, signed, parsed and verified: {float(peak):.0f} MiB")


if __name__ == "__main__":
    if sys.argv[1:] == ["--memory"]:
        memory()
    else:
        main()
