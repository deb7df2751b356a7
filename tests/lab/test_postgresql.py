"""PostgreSQL on the converged lab: the document system's role logs in over TLS from the app zone,
and nobody gets in from the LGSP node's machine."""

import base64
from pathlib import Path

import pytest

from lab.conftest import Lab
from lab.test_common import host
from provcloud.catalogue.service_machine import MachineRole
from provcloud.controller_state import ControllerPaths, state_dir

pytestmark = pytest.mark.lab

PROBE = Path(__file__).with_name("pg_login.py")


def login_from(lab: Lab, machine: str, user: str = "docsystem") -> str:
    database = lab.province.machines_with_role(MachineRole.docsystem_db)[0]
    password = ControllerPaths(state_dir(lab.province.slug)).database_password(user).read_text().split()[0]
    script = base64.b64encode(PROBE.read_bytes()).decode()
    decode = "import base64,sys; script=base64.b64decode(sys.argv[1]); sys.argv=sys.argv[1:]; exec(script)"
    arguments = f"{script} {database.ip} {user} {user} {password} /etc/provcloud/pki/ca.crt"
    result = lab.ssh(machine, f"python3 -c '{decode}' {arguments}")
    return result.stdout.strip() or result.stderr.strip()


def test_postgresql_runs_and_listens_only_on_its_addresses(demo_lab: Lab) -> None:
    database = demo_lab.province.machines_with_role(MachineRole.docsystem_db)[0]
    remote = host(demo_lab, database.name)
    assert remote.service("postgresql@15-main").is_running
    assert remote.service("postgresql").is_enabled
    listening = {str(socket) for socket in remote.socket.get_listening_sockets() if str(socket).endswith(":5432")}
    # `localhost` is what /etc/hosts makes of it: cloud-init's Debian hosts template (like Debian's
    # own) names both loopbacks, so ::1 is there when the machine has IPv6 — loopback all the same.
    loopback = {"tcp://127.0.0.1:5432", "tcp://::1:5432"}
    assert "tcp://127.0.0.1:5432" in listening, listening
    assert listening - loopback == {f"tcp://{database.ip}:5432"}, listening


def test_the_document_system_logs_in_from_the_app_zone(demo_lab: Lab) -> None:
    app = demo_lab.province.machines_with_role(MachineRole.docsystem_app)[0]
    assert login_from(demo_lab, app.name) == "ok"


def test_nobody_gets_in_from_the_lgsp_node(demo_lab: Lab) -> None:
    node = demo_lab.province.machines_with_role(MachineRole.lgsp_node)[0]
    outcome = login_from(demo_lab, node.name)
    assert outcome == "timeout" or outcome.startswith("refused"), f"from {node.name}: {outcome}"
