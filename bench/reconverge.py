"""Benchmark the idempotent re-converge of the whole demo province (root only; BENCHMARKS.md).

The figure an ops team notices every day: `provcloud configure` on a province that is already
converged, with the default strategy (plain Ansible, no Mitogen). Runs on `bench`, the same copy of
the demo province `bench/lab.py` uses (own slug, bridges and addresses): warm `lab up`, a first
converge, then re-converges, each checked to change nothing.

Before and after, side by side in one run: the roles of an earlier revision (`--before REV`,
default BEFORE below: the roles before they wrote their files in one module run each) converge the
same machines, with the same controller state, alternating with today's roles, so both see the same
machine and load. The earlier tree is unpacked with `git archive` and run with this virtualenv.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from provcloud.controller_state import STATE_DIR_ENV
from provcloud.lab.dev_province import write_dev_copy
from provcloud.project import ROOT_ENV

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench"
RUNS = 3
# The last revision whose roles wrote each file with its own `template` task (issue 11, stop 20).
BEFORE = "d17a4b8"


class Tree:
    """A provcloud tree whose `provcloud configure` the bench runs, on the shared controller state."""

    def __init__(self, name: str, root: Path, state: Path) -> None:
        self.name, self.root = name, root
        self.env = {**os.environ, ROOT_ENV: str(root), STATE_DIR_ENV: str(state)}
        # The tree's own package (and inventory plugin, which ansible-playbook imports) first.
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root / "src"), os.environ.get("PYTHONPATH")]))
        self.state = state / SLUG

    def run(self, *args: str) -> float:
        command = [sys.executable, "-c", "from provcloud.cli import main; main()", *args]
        started = time.monotonic()
        result = subprocess.run(command, cwd=self.root, env=self.env, capture_output=True, text=True, check=False)
        elapsed = time.monotonic() - started
        if result.returncode != 0:
            command_line = " ".join(args)
            output = f"{result.stdout[-3000:]}\n{result.stderr}"
            raise SystemExit(f"{self.name}: `provcloud {command_line}` failed:\n{output}")
        return elapsed

    def changed_tasks(self) -> dict[str, list[str]]:
        """What the last converge changed, per host (from the run record `provcloud configure` writes)."""
        record = json.loads((self.state / "runs" / "last.json").read_text())
        return {host: recap["changed_tasks"] for host, recap in record["hosts"].items() if recap["changed"]}

    def reconverge(self, catalogue: str) -> float:
        seconds = self.run("configure", catalogue)
        if changed := self.changed_tasks():
            raise SystemExit(f"{self.name}: a re-converge changed something, it is not idempotent: {changed}")
        return seconds


def unpack(revision: str, folder: Path) -> Path | None:
    tree = folder / f"provcloud-{revision}"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], capture_output=True, check=False)
    if archive.returncode != 0:
        print(f"bench/reconverge.py: revision {revision} is not in this clone; today's roles only")
        return None
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def row(label: str, seconds: list[float]) -> str:
    spread = f"min {min(seconds):.1f}, max {max(seconds):.1f}"
    return f"| {label}, median of {len(seconds)} ({spread}) | {statistics.median(seconds):.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="revision whose roles to compare with (default %(default)s)")
    parser.add_argument("--runs", type=int, default=RUNS)
    options = parser.parse_args()
    if os.geteuid() != 0:
        print("bench/reconverge.py: skipped (needs root: it boots a lab)")
        return
    with tempfile.TemporaryDirectory(prefix="provcloud-bench-") as name:
        folder = Path(name)
        os.chmod(folder, 0o755)  # the package proxy runs as its own user and keeps its cache below
        catalogue = str(write_dev_copy(ROOT / "provinces" / "demo.yml", folder, SLUG, "bnch", 48, 248))
        state = folder / "state"
        state.mkdir(mode=0o700)
        today = Tree("today", ROOT, state)
        before_root = unpack(options.before, folder)
        before = Tree(options.before, before_root, state) if before_root else None
        today.run("lab", "down", SLUG)
        try:
            today.run("lab", "up", catalogue)
            first = today.run("configure", catalogue)
            if before:  # each tree's first pass over the other's result, not timed
                before.reconverge(catalogue)
                today.reconverge(catalogue)
            times: dict[str, list[float]] = {"today": [], "before": []}
            for _ in range(options.runs):
                if before:
                    times["before"].append(before.reconverge(catalogue))
                times["today"].append(today.reconverge(catalogue))
        finally:
            today.run("lab", "down", SLUG)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print("Idempotent re-converge of the whole demo province (default strategy, changed = 0 on every host)")
    print("| step | seconds |")
    print("|---|---:|")
    print(f"| first converge of fresh machines (warm caches) | {first:.1f} |")
    if before:
        print(row(f"idempotent re-converge, roles of {options.before}", times["before"]))
    print(row("idempotent re-converge, today's roles", times["today"]))
    if before:
        ratio = statistics.median(times["before"]) / statistics.median(times["today"])
        print(f"speed-up (medians, the two alternating on the same machines): {ratio:.2f}×")
    print(f"load average at the end (1/5/15 min): {load}")


if __name__ == "__main__":
    main()
