"""Role `common` on the converged demo machines, checked with testinfra from the outside."""

import json
import subprocess
from typing import Any

import pytest
import testinfra

from lab.conftest import Lab
from provcloud.lab.paths import known_hosts, ssh_key
from provcloud.lab.plan import ADMIN_USER

pytestmark = pytest.mark.lab


def host(lab: Lab, name: str) -> Any:
    machine = lab.plan.machine(name)
    return testinfra.get_host(
        f"ssh://{ADMIN_USER}@{machine.address.ip}",
        ssh_identity_file=str(ssh_key(lab.plan.slug)),
        ssh_extra_args=f"-o UserKnownHostsFile={known_hosts(lab.plan.slug)} -o StrictHostKeyChecking=yes",
        sudo=True,
    )


def connects(lab: Lab, source: str, address: str, port: int) -> str:
    """From machine `source`: `open`, `refused` (nothing listens) or `timeout` (dropped by a firewall)."""
    probe = (
        "import socket,sys\n"
        "try:\n"
        f"    socket.create_connection(('{address}', {port}), timeout=3); print('open')\n"
        "except ConnectionRefusedError: print('refused')\n"
        "except (TimeoutError, socket.timeout): print('timeout')\n"
    )
    result = lab.ssh(source, f'python3 -c "{probe}"')
    return result.stdout.strip() or result.stderr


@pytest.mark.parametrize("service", ["ssh", "nftables", "chrony", "systemd-journald"])
def test_services_running_and_enabled(demo_lab: Lab, service: str) -> None:
    for machine in demo_lab.plan.machines:
        unit = host(demo_lab, machine.name).service(service)
        assert unit.is_running, f"{service} is not running on {machine.name}"
        if service != "systemd-journald":  # static unit
            assert unit.is_enabled, f"{service} is not enabled on {machine.name}"


def test_sshd_refuses_passwords(demo_lab: Lab) -> None:
    lgsp = demo_lab.plan.machine("lgsp-01")
    effective = host(demo_lab, "lgsp-01").check_output("sshd -T")
    assert "passwordauthentication no" in effective and "permitrootlogin no" in effective
    attempt = subprocess.run(
        [
            "ssh",
            "-o",
            "BatchMode=yes",
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "PreferredAuthentications=password,keyboard-interactive",
            "-o",
            f"UserKnownHostsFile={known_hosts('demo')}",
            f"nguyenvana@{lgsp.address.ip}",
            "true",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert attempt.returncode == 255 and "Permission denied (publickey)" in attempt.stderr, attempt.stderr


def test_operators_have_accounts_with_the_catalogue_keys(demo_lab: Lab) -> None:
    machine = host(demo_lab, "docsys-db-01")
    for operator in demo_lab.province.operators:
        user = machine.user(operator.login)
        assert user.exists and "provcloud-admins" in user.groups
        assert machine.check_output(f"passwd -S {operator.login}").split()[1] == "L", "password must be locked"
        keys = machine.file(f"/home/{operator.login}/.ssh/authorized_keys").content_string
        assert sorted(keys.split("\n")[:-1]) == sorted(operator.ssh_keys)


def test_firewall_drops_what_no_rule_allows(demo_lab: Lab) -> None:
    # SSH (management) is allowed from the mgmt zone only: backup-01 is in mgmt, docsys-app-01 in app.
    assert connects(demo_lab, "backup-01", "198.18.0.10", 22) == "open"
    assert connects(demo_lab, "docsys-app-01", "198.18.0.10", 22) == "timeout", "lgsp-01 accepts SSH from the app zone"
    # A port nothing allows is dropped, not refused: the firewall answers, not the missing service.
    assert connects(demo_lab, "backup-01", "198.18.2.10", 8080) == "timeout"
    # The database's port is open to the document system's application only.
    assert connects(demo_lab, "lgsp-01", "198.18.2.10", 5432) == "timeout", "the database accepts the LGSP node"
    assert connects(demo_lab, "docsys-app-01", "198.18.2.10", 5432) in ("open", "refused")


def test_time_comes_from_the_province(demo_lab: Lab) -> None:
    server = demo_lab.province.time_sources[0]
    for machine in demo_lab.plan.machines:
        if str(machine.address.ip) == server:
            allowed = host(demo_lab, machine.name).check_output("chronyc -n serverstats")
            assert "NTP packets received" in allowed
            continue
        sources = host(demo_lab, machine.name).check_output("chronyc -n sources")
        assert server in sources, f"{machine.name} does not use {server}:\n{sources}"


def test_journal_kept_by_security_level_and_controls_reported(demo_lab: Lab) -> None:
    for machine in demo_lab.plan.machines:
        target = host(demo_lab, machine.name)
        config = target.file("/etc/systemd/journald.conf.d/50-provcloud.conf").content_string
        assert "MaxRetentionSec=90day" in config, f"{machine.name}: level 3 keeps logs 90 days"
        fact = json.loads(target.file("/etc/ansible/facts.d/common.fact").content_string)
        assert fact["controls"]["common_05_audit"] is False and fact["not_applicable"], (
            "auditd cannot run in a container: the fact must say so"
        )


def test_security_updates_only(demo_lab: Lab) -> None:
    dump = host(demo_lab, "lgsp-01").check_output("apt-config dump Unattended-Upgrade::Origins-Pattern")
    origins = [line for line in dump.splitlines() if line.startswith("Unattended-Upgrade::Origins-Pattern:: ")]
    assert origins and all("Debian-Security" in line for line in origins), dump
    assert host(demo_lab, "lgsp-01").package("unattended-upgrades").is_installed
