"""The redundant lab for a failover bench (bench/failover.py, bench/database_failover.py): `provcloud`
steps run as a bench runs them, and the lab brought up and converged when it is not up — and then
taken down again, so a bench leaves the host as it found it."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from provcloud.catalogue import Province, load_province
from provcloud.lab.plan import LabPlan, plan_lab
from provcloud.lab.state import lab_is_up

PROVCLOUD = Path(sys.executable).parent / "provcloud"


def provcloud(root: Path, *args: str) -> None:
    """`provcloud ARGS` in the checkout at `root`; SystemExit with the end of its output when it fails."""
    result = subprocess.run([str(PROVCLOUD), *args], cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"`provcloud {' '.join(args)}` failed:\n{result.stdout[-3000:]}\n{result.stderr}")


@contextmanager
def bench_lab(root: Path, slug: str) -> Iterator[tuple[Province, LabPlan]]:
    province = load_province(root / "provinces" / f"{slug}.yml")
    brought_up = not lab_is_up(slug)
    try:
        if brought_up:
            provcloud(root, "lab", "up", slug)
            provcloud(root, "configure", slug)
        yield province, plan_lab(province)
    finally:
        if brought_up:
            provcloud(root, "lab", "down", slug)
