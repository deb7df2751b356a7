"""Benchmark the lab and the converge of the demo province (root only; results go in BENCHMARKS.md).

Runs on `bench`, a copy of the demo province with its own slug, bridges and addresses, so it never
disturbs a demo lab or a helper's dev lab running on the same host. Measures:
- `lab up` cold (empty cache: debootstrap and package downloads) and warm (cached base image);
- the first converge and an idempotent re-converge, with SSH pipelining on (the default of
  ansible.cfg) and off.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from provcloud.lab.dev_province import write_dev_copy

ROOT = Path(__file__).resolve().parent.parent
PROVCLOUD = Path(sys.executable).parent / "provcloud"
SLUG = "bench"


def bench_catalogue(folder: Path) -> Path:
    return write_dev_copy(ROOT / "provinces" / "demo.yml", folder, SLUG, "bnch", zone_base=48, national_third=248)


def timed(*args: str, env: dict[str, str] | None = None) -> float:
    started = time.monotonic()
    result = subprocess.run(
        [str(PROVCLOUD), *args], cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"`provcloud {' '.join(args)}` failed:\n{result.stdout[-3000:]}\n{result.stderr}")
    return elapsed


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    if os.geteuid() != 0:
        print("bench/lab.py: skipped (needs root: it boots a lab)")
        return
    rows: list[tuple[str, float, str]] = []
    machines = (ROOT / "provinces" / "demo.yml").read_text().count(" role: ")
    with tempfile.TemporaryDirectory(prefix="provcloud-bench-") as folder:
        os.chmod(folder, 0o755)  # the package proxy runs as its own user and keeps its cache below
        catalogue = str(bench_catalogue(Path(folder)))
        cold_cache = Path(folder) / "cache"
        cold = {"PROVCLOUD_CACHE_DIR": str(cold_cache)}
        timed("lab", "down", SLUG)
        try:
            rows.append(("lab up, cold (debootstrap, empty caches)", timed("lab", "up", catalogue, env=cold), load()))
            rows.append(("first converge, cold package cache", timed("configure", catalogue, env=cold), load()))
            rows.append(("idempotent re-converge, pipelining on", timed("configure", catalogue, env=cold), load()))
            off = {**cold, "ANSIBLE_PIPELINING": "False"}
            rows.append(("idempotent re-converge, pipelining off", timed("configure", catalogue, env=off), load()))
        finally:
            timed("lab", "down", SLUG, env=cold)
        try:
            rows.append(("lab up, warm (cached base image)", timed("lab", "up", catalogue), load()))
            rows.append(("first converge, warm package cache, pipelining on", timed("configure", catalogue), load()))
            rows.append(("idempotent re-converge, pipelining on", timed("configure", catalogue), load()))
            rows.append(
                (
                    "idempotent re-converge, pipelining off",
                    timed("configure", catalogue, env={"ANSIBLE_PIPELINING": "False"}),
                    load(),
                )
            )
            rows.append(("second lab up (nothing to do)", timed("lab", "up", catalogue), load()))
            rows.append(("lab down", timed("lab", "down", SLUG), load()))
        finally:
            timed("lab", "down", SLUG)
    print(f"Lab of the demo province ({machines} machines)")
    print("| step | seconds | load average (1/5/15 min) after |")
    print("|---|---:|---|")
    for step, seconds, average in rows:
        print(f"| {step} | {seconds:.1f} | {average} |")


if __name__ == "__main__":
    main()
