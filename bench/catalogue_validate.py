"""Benchmark: validating province catalogues of growing size.

For synthetic provinces of 130 (a typical province), 1,000 and 4,000 agencies (about the whole
country), measures the `provcloud validate` command end to end (process start included) and the
load alone in-process (parse + schema + cross-field rules), median of 3, with the peak memory of
the command. Target (issue 2): 1,000 agencies validate in under 5 s.
"""

import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from provcloud.catalogue import load_province
from provcloud.catalogue.synth import synthesize
from provcloud.catalogue.writer import dump_province

SIZES = (130, 1000, 4000)
REPEATS = 3
PROVCLOUD = Path(sys.executable).parent / "provcloud"


def command_run(file: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one `provcloud validate -q FILE`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([str(PROVCLOUD), "validate", "-q", str(file)], check=True, capture_output=True)
    elapsed = time.perf_counter() - start
    return elapsed, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def main() -> None:
    print(f"# catalogue validation — {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| agencies | lines | `provcloud validate` (median s) | load in-process (median s) | peak RSS (MiB) |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for size in SIZES:
            file = Path(folder) / f"synth-{size}.yml"
            dump_province(synthesize(size), file)
            lines = file.read_text(encoding="utf-8").count("\n")
            runs = [command_run(file) for _ in range(REPEATS)]
            loads = []
            for _ in range(REPEATS):
                start = time.perf_counter()
                load_province(file)
                loads.append(time.perf_counter() - start)
            command = statistics.median(r[0] for r in runs)
            peak = max(r[1] for r in runs) / 1024
            print(f"| {size} | {lines} | {command:.2f} | {statistics.median(loads):.2f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
