#!/usr/bin/python
"""Ansible module: systemd units enabled and running, several in one run on the machine.

Why it exists: `systemd_service` is one module run per unit, and a module run is most of an
idempotent converge's cost (see config_files.py). A role that starts three or seven units pays it
three or seven times on every converge; this module pays it once and asks systemd itself whether
a unit file changed on disk since it was loaded (NeedDaemonReload), so a converge killed between
writing a unit and reloading systemd is finished by the next one. Copied to the target and run
there: standard library and ansible.module_utils only. tests/roles/test_services_running.py runs
it against a stand-in `systemctl`.
"""

from dataclasses import dataclass
from typing import Any

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: services_running
short_description: Systemd units enabled (started at boot) and running, in one module run
description:
  - Reloads systemd first when any listed unit reports C(NeedDaemonReload=yes) (its file or a
    drop-in changed since systemd loaded it); a unit systemd never loaded is read from disk.
  - Then, in the order given, enables each unit that C(systemctl is-enabled) does not report
    enabled, and starts each unit whose C(ActiveState) is not active, activating or reloading.
  - A masked or unknown unit, or one that does not start, fails the module naming the unit; in
    check mode an unknown unit is reported as one that would be enabled and started (the task that
    writes it did not run).
  - Idempotent; supports check mode (reports what it would do).
options:
  units:
    description: Unit names (C(.service) may be left out), started in this order.
    type: list
    elements: str
    required: true
"""

RETURN = r"""
reloaded:
  description: Whether systemd was (or would be) reloaded, because a unit's file changed.
  type: bool
  returned: always
enabled_units:
  description: Units enabled (or that would be).
  type: list
  elements: str
  returned: always
started_units:
  description: Units started (or that would be).
  type: list
  elements: str
  returned: always
"""

RUNNING_STATES = frozenset({"active", "activating", "reloading"})


class UnitError(Exception):
    """A failure the module reports with its message."""


@dataclass(frozen=True)
class UnitState:
    enabled: bool
    running: bool
    needs_reload: bool


class Systemctl:
    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.binary = module.get_bin_path("systemctl", required=True)

    def run(self, *args: str) -> tuple[int, str, str]:
        rc, out, err = self.module.run_command([self.binary, *args])
        return int(rc), str(out), str(err)

    def state(self, unit: str, check_mode: bool) -> UnitState:
        rc, out, err = self.run("show", unit, "--property=LoadState,ActiveState,NeedDaemonReload")
        if rc != 0:
            raise UnitError(f"{unit}: systemctl show failed: {(err or out).strip()}")
        properties = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        load = properties.get("LoadState", "")
        if load == "masked":
            raise UnitError(f"{unit} is masked: unmask it (systemctl unmask {unit}) or take it out of the list")
        if load == "not-found" and check_mode:  # an earlier task writes it, which check mode did not run
            return UnitState(enabled=False, running=False, needs_reload=False)
        if load == "not-found":
            raise UnitError(f"{unit}: no such unit on this machine (is its package installed?)")
        enabled_rc, _, _ = self.run("is-enabled", unit)
        return UnitState(
            enabled=enabled_rc == 0,
            running=properties.get("ActiveState", "") in RUNNING_STATES,
            needs_reload=properties.get("NeedDaemonReload", "no") == "yes",
        )

    def act(self, verb: str, unit: str) -> None:
        rc, out, err = self.run(verb, unit)
        if rc != 0:
            detail = (err or out).strip()
            raise UnitError(f"{unit}: systemctl {verb} failed (exit {rc}): {detail}; see journalctl -u {unit}")

    def daemon_reload(self) -> None:
        rc, out, err = self.run("daemon-reload")
        if rc != 0:
            raise UnitError(f"systemctl daemon-reload failed (exit {rc}): {(err or out).strip()}")


def converge(systemctl: Systemctl, units: list[str], check_mode: bool) -> dict[str, Any]:
    states = {unit: systemctl.state(unit, check_mode) for unit in units}
    reloaded = any(state.needs_reload for state in states.values())
    if reloaded and not check_mode:
        systemctl.daemon_reload()
    enabled: list[str] = []
    started: list[str] = []
    for unit in units:
        state = states[unit]
        if not state.enabled:
            enabled.append(unit)
            if not check_mode:
                systemctl.act("enable", unit)
        if not state.running:
            started.append(unit)
            if not check_mode:
                systemctl.act("start", unit)
    return {
        "changed": bool(reloaded or enabled or started),
        "reloaded": reloaded,
        "enabled_units": enabled,
        "started_units": started,
    }


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "units": {"type": "list", "elements": "str", "required": True},
        },
        supports_check_mode=True,
    )
    try:
        result = converge(Systemctl(module), module.params["units"], module.check_mode)
    except UnitError as error:
        module.fail_json(msg=str(error))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
