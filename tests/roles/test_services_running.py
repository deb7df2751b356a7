"""The shared `services_running` module (plugins/modules/services_running.py), run as Ansible runs
it, against a stand-in `systemctl` first on PATH that keeps its units' state in a JSON file and
records every call (this test machine has no systemd to ask)."""

import json
import os
import sys
from pathlib import Path
from typing import Any

from ansible_module import run_module
from conftest import ROOT

MODULE = ROOT / "plugins/modules/services_running.py"
FAKE_SYSTEMCTL = """#!{python}
import json, sys
state_file = {state!r}
units = json.load(open(state_file))
verb, *args = sys.argv[1:]
with open(state_file + ".calls", "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
def unit(name):
    return units.get(name if "." in name else name + ".service")
if verb == "show":
    u = unit(args[0])
    if u is None:
        print("LoadState=not-found\\nActiveState=inactive\\nNeedDaemonReload=no")
    else:
        print(f"LoadState={{u['load']}}\\nActiveState={{u['active']}}\\nNeedDaemonReload={{u['stale']}}")
elif verb == "is-enabled":
    sys.exit(0 if unit(args[0]) and unit(args[0])["enabled"] else 1)
elif verb == "daemon-reload":
    if args:  # what systemctl answers
        print("Too many arguments.", file=sys.stderr)
        sys.exit(1)
    for u in units.values():
        u["stale"] = "no"
elif verb == "enable":
    unit(args[0])["enabled"] = True
elif verb == "start":
    u = unit(args[0])
    if u.get("broken"):
        print("Job for x failed because the control process exited with error code.", file=sys.stderr)
        sys.exit(1)
    u["active"] = "active"
json.dump(units, open(state_file, "w"))
"""


def machine(tmp_path: Path, units: dict[str, dict[str, Any]]) -> Path:
    state = tmp_path / "units.json"
    defaults = {"load": "loaded", "active": "active", "stale": "no", "enabled": True}
    state.write_text(json.dumps({name: {**defaults, **unit} for name, unit in units.items()}))
    fake = tmp_path / "bin" / "systemctl"
    fake.parent.mkdir()
    fake.write_text(FAKE_SYSTEMCTL.format(python=sys.executable, state=str(state)))
    fake.chmod(0o755)
    return state


def run(tmp_path: Path, units: list[str], check: bool = False) -> dict[str, Any]:
    path = f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"
    return run_module(MODULE, {"units": units, "_ansible_check_mode": check}, env={**os.environ, "PATH": path})


def calls(state: Path) -> list[str]:
    log = Path(f"{state}.calls")
    return [line for line in log.read_text().splitlines() if not line.startswith(("show", "is-enabled"))]


def test_units_that_run_and_start_at_boot_are_left_alone(tmp_path: Path) -> None:
    state = machine(tmp_path, {"ssh.service": {}, "chrony.service": {}})
    result = run(tmp_path, ["ssh", "chrony"])
    assert not result["changed"], result
    assert calls(state) == []


def test_a_stopped_or_disabled_unit_is_started_and_enabled_in_order(tmp_path: Path) -> None:
    state = machine(
        tmp_path,
        {"redis-server.service": {"active": "inactive"}, "web.service": {"enabled": False, "active": "failed"}},
    )
    result = run(tmp_path, ["redis-server", "web"])
    assert result["changed"] and result["started_units"] == ["redis-server", "web"]
    assert result["enabled_units"] == ["web"] and not result["reloaded"]
    assert calls(state) == ["start redis-server", "enable web", "start web"]
    assert not run(tmp_path, ["redis-server", "web"])["changed"]


def test_a_unit_file_changed_on_disk_makes_systemd_reload_first(tmp_path: Path) -> None:
    # A converge killed after writing the unit, before systemd read it: systemd says so itself.
    state = machine(tmp_path, {"web.service": {"stale": "yes"}, "beat.service": {}})
    result = run(tmp_path, ["web", "beat"])
    assert result["changed"] and result["reloaded"]
    assert calls(state) == ["daemon-reload"]


def test_check_mode_reports_and_does_nothing(tmp_path: Path) -> None:
    state = machine(tmp_path, {"web.service": {"active": "inactive", "enabled": False, "stale": "yes"}})
    result = run(tmp_path, ["web"], check=True)
    assert result["changed"] and result["reloaded"]
    assert result["started_units"] == ["web"] and result["enabled_units"] == ["web"]
    assert calls(state) == []


def test_a_masked_missing_or_failing_unit_fails_naming_it(tmp_path: Path) -> None:
    machine(tmp_path, {"ssh.service": {"load": "masked"}, "web.service": {"active": "inactive", "broken": True}})
    masked = run(tmp_path, ["ssh"])
    assert masked["failed"] and "ssh is masked" in masked["msg"]
    missing = run(tmp_path, ["nginx"])
    assert missing["failed"] and "nginx: no such unit" in missing["msg"]
    failing = run(tmp_path, ["web"])
    assert (
        failing["failed"] and "web: systemctl start failed" in failing["msg"] and "journalctl -u web" in failing["msg"]
    )


def test_check_mode_before_the_unit_is_written_reports_it_would_start(tmp_path: Path) -> None:
    machine(tmp_path, {})
    result = run(tmp_path, ["docsystem-web"], check=True)
    assert not result.get("failed") and result["started_units"] == ["docsystem-web"], result
