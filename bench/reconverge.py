"""Benchmark the idempotent re-converge of the whole demo province (root only; BENCHMARKS.md).

The figure an ops team notices every day: `provcloud configure` on a province that is already
converged, with the default strategy (plain Ansible, no Mitogen). Runs on `bench`, the same copy of
the demo province `bench/lab.py` uses (own slug, bridges and addresses): warm `lab up`, a first
converge, then three re-converges, each checked to change nothing.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from provcloud.controller_state import state_dir
from provcloud.lab.dev_province import write_dev_copy

ROOT = Path(__file__).resolve().parent.parent
PROVCLOUD = Path(sys.executable).parent / "provcloud"
SLUG = "bench"
RUNS = 3


def run(*args: str) -> float:
    started = time.monotonic()
    result = subprocess.run([str(PROVCLOUD), *args], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"`provcloud {' '.join(args)}` failed:\n{result.stdout[-3000:]}\n{result.stderr}")
    return elapsed


def changed_tasks() -> dict[str, list[str]]:
    """What the last converge changed, per host (from the run record `provcloud configure` writes)."""
    record = json.loads((state_dir(SLUG, ROOT) / "runs" / "last.json").read_text())
    return {host: recap["changed_tasks"] for host, recap in record["hosts"].items() if recap["changed"]}


def main() -> None:
    if os.geteuid() != 0:
        print("bench/reconverge.py: skipped (needs root: it boots a lab)")
        return
    with tempfile.TemporaryDirectory(prefix="provcloud-bench-") as folder:
        os.chmod(folder, 0o755)  # the package proxy runs as its own user and keeps its cache below
        catalogue = str(write_dev_copy(ROOT / "provinces" / "demo.yml", Path(folder), SLUG, "bnch", 48, 248))
        run("lab", "down", SLUG)
        try:
            run("lab", "up", catalogue)
            first = run("configure", catalogue)
            seconds = []
            for _ in range(RUNS):
                seconds.append(run("configure", catalogue))
                if changed := changed_tasks():
                    raise SystemExit(f"a re-converge changed something, it is not idempotent: {changed}")
        finally:
            run("lab", "down", SLUG)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print("Idempotent re-converge of the whole demo province (default strategy, changed = 0 on every host)")
    print("| step | seconds |")
    print("|---|---:|")
    print(f"| first converge of fresh machines (warm caches) | {first:.1f} |")
    spread = f"min {min(seconds):.1f}, max {max(seconds):.1f}"
    print(f"| idempotent re-converge, median of {RUNS} ({spread}) | {statistics.median(seconds):.1f} |")
    print(f"load average at the end (1/5/15 min): {load}")


if __name__ == "__main__":
    main()
