"""How `provcloud country` runs the whole country: every province of provinces/ planned cold with
one worker and with two side by side (the ratio is what the parallel workers buy), then warm (every
result from the cache), then with one province changed (only it re-planned).

Targets (issue 9): cold ≤ 45 s wall on 2 cores; one province changed ≤ 10 s. Each run is the real
command in a copy of the project (its cache apart from the working tree's); peak memory is the
largest process of the run (the parent or one worker), from wait4.

    .venv/bin/python bench/country.py                  # everything (make bench)
    .venv/bin/python bench/country.py --jobs 2 4       # compare other worker counts with --jobs 1
    .venv/bin/python bench/country.py --changed hue    # which province the last run changes
"""

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The benchmarks' one description of the machine, from the script beside this one (not a package).
_SPEC = importlib.util.spec_from_file_location("plan_scaling", ROOT / "bench" / "plan_scaling.py")
assert _SPEC is not None and _SPEC.loader is not None
_PLAN_SCALING = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_PLAN_SCALING)
machine = _PLAN_SCALING.machine

PROJECT_PARTS = ("provinces", "providers", "stacks", "policies", "templates")
"""What a country run reads of the project."""
PROVCLOUD = Path(sys.executable).parent / "provcloud"
COLD_TARGET, CHANGED_TARGET = 45.0, 10.0


def run(project: Path, *args: str) -> dict[str, float]:
    """One `provcloud country` in the project: wall time, peak RSS, how many provinces were planned."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(PROVCLOUD), "country", "--format", "json", *args],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"`provcloud country {' '.join(args)}` failed (exit {process.returncode})")
    provinces = json.loads(output)["provinces"]
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "max_rss_mib": usage.ru_maxrss / 1024,
        "provinces": len(provinces),
        "planned": sum(1 for p in provinces if not p["cached"]),
        "objects": sum(p["objects"] or 0 for p in provinces),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, nargs="+", default=[2], help="Worker counts compared with --jobs 1.")
    parser.add_argument("--changed", default="danang", help="The province changed before the last run.")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="provcloud-bench-country-") as folder:
        project = Path(folder)
        for part in PROJECT_PARTS:
            shutil.copytree(ROOT / part, project / part, ignore=shutil.ignore_patterns("__pycache__"))
        print(f"{'run':<34}{'provinces':>10}{'planned':>8}{'objects':>9}{'wall s':>8}{'cpu s':>8}{'MiB':>6}  target")
        rows: list[tuple[str, dict[str, float], float | None]] = []
        sequential = run(project, "--no-cache", "--jobs", "1")
        rows.append(("cold, --jobs 1 (sequential)", sequential, None))
        parallel = {}
        for jobs in args.jobs:
            parallel[jobs] = run(project, "--no-cache", "--jobs", str(jobs))
            rows.append((f"cold, --jobs {jobs}", parallel[jobs], COLD_TARGET))
        rows.append(("warm (every result cached)", run(project), None))
        catalogue = project / "provinces" / f"{args.changed}.yml"
        catalogue.write_text(catalogue.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
        rows.append((f"one province changed ({args.changed})", run(project), CHANGED_TARGET))
        for label, r, target in rows:
            verdict = "" if target is None else f"≤ {target:.0f} s: {'met' if r['wall'] <= target else 'MISSED'}"
            print(
                f"{label:<34}{r['provinces']:>10.0f}{r['planned']:>8.0f}{r['objects']:>9.0f}{r['wall']:>8.1f}"
                f"{r['cpu']:>8.1f}{r['max_rss_mib']:>6.0f}  {verdict}"
            )
        for jobs, r in parallel.items():
            print(f"--jobs 1 / --jobs {jobs}: {sequential['wall'] / r['wall']:.2f}× faster (wall)")


if __name__ == "__main__":
    main()
