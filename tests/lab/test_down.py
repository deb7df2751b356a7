"""`lab down demo` removes every machine, bridge, proxy process, nft table and state file of the
lab, and nothing else (runs after every other lab test: see conftest.LAST_TESTS)."""

import subprocess
from pathlib import Path

import pytest

from conftest import run_provcloud
from lab.conftest import Lab
from provcloud.lab.paths import lab_dir
from provcloud.lab.state import LabState

pytestmark = pytest.mark.lab


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_down_leaves_nothing_behind(demo_lab: Lab) -> None:
    state = LabState.load("demo")
    assert state is not None and state.proxy is not None
    pids = [state.proxy.pid, *(m.supervisor.pid for m in state.machines.values())]
    other_tables = set(
        subprocess.run(["nft", "list", "tables"], capture_output=True, text=True, check=True).stdout.splitlines()
    )
    other_tables.discard(f"table inet {demo_lab.plan.nft_table}")

    result = run_provcloud("lab", "down", "demo")

    assert result.returncode == 0, result.stdout + result.stderr
    assert [pid for pid in pids if alive(pid)] == [], "machine or proxy processes survived `lab down`"
    links = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True, check=True).stdout
    assert [b.name for b in demo_lab.plan.bridges if f"{b.name} " in links] == [], "bridges survived `lab down`"
    assert [m.unit for m in demo_lab.plan.machines if f"vb-{m.unit}"[:15] in links] == [], "veth links survived"
    tables = set(
        subprocess.run(["nft", "list", "tables"], capture_output=True, text=True, check=True).stdout.splitlines()
    )
    assert tables == other_tables, "the lab's nftables table survived, or another table was touched"
    assert not lab_dir("demo").exists(), f"{lab_dir('demo')} survived `lab down`"
    assert "/lab/demo/" not in Path("/proc/mounts").read_text(), "a machine root is still mounted"
    again = run_provcloud("lab", "down", "demo")
    assert again.returncode == 0 and "not up: nothing to remove" in again.stdout
