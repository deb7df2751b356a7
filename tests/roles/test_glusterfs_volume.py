"""The glusterfs role's `glusterfs_volume` module, run as Ansible runs it, against a fake `gluster`.

The fake is a small Python script first on the module's PATH: it keeps the pool and the volumes in a
JSON file, logs every call, and answers with the XML of the real CLI (`--mode=script --xml`, the
shapes of GlusterFS's cli/src/cli-xml-output.c: <cliOutput> with opRet, opErrno, opErrstr; a
<peerStatus> whose last <peer> is this machine as `localhost`, each other peer under its first
hostname with every hostname in <hostnames>; a <volInfo> whose <brick> carries its name as text and
in <name>, and the options in <options><option><name>/<value>; a missing volume answers opRet -1 with
glusterd's "Volume does not exist").
"""

import json
import os
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_module import run_module
from conftest import ROOT
from role_templates import render_template
from roles.local_playbook import run_plays

MODULE = ROOT / "roles/glusterfs/library/glusterfs_volume.py"
NAME = "docsystem-media"
APP_1, APP_2, BACKUP = "10.48.2.21", "10.48.2.22", "10.48.3.11"
MEMBERS = [APP_1, APP_2, BACKUP]
BRICK_DIR = "/srv/glusterfs/docsystem-media"
BRICKS = [f"{member}:{BRICK_DIR}" for member in MEMBERS]
AUTH_ALLOW = ",".join(sorted(MEMBERS))
OPTIONS = {"network.ping-timeout": "5", "auth.allow": AUTH_ALLOW, "nfs.disable": "on"}
CHANGING = {("peer", "probe"), ("volume", "create"), ("volume", "set"), ("volume", "start")}
"""The commands that change the pool or the volume; everything else only reads."""

FAKE_GLUSTER = r"""
import json
import os
import sys
import uuid
import xml.etree.ElementTree as ET

STATE = os.environ["FAKE_GLUSTER_STATE"]
NEW_VOLUME_OPTIONS = {
    # What GlusterFS 10 sets on a new replicated volume.
    "cluster.granular-entry-heal": "on",
    "storage.fips-mode-rchecksum": "on",
    "transport.address-family": "inet",
    "nfs.disable": "on",
    "performance.client-io-threads": "off",
}
STATUS = ["Created", "Started", "Stopped"]


def answer(op_ret=0, errstr="", build=None, op_errno=0):
    root = ET.Element("cliOutput")
    ET.SubElement(root, "opRet").text = str(op_ret)
    ET.SubElement(root, "opErrno").text = str(op_errno if op_ret == 0 else op_errno or 30800)
    ET.SubElement(root, "opErrstr").text = errstr or None
    if build is not None:
        build(root)
    ET.indent(root, "  ")
    sys.stdout.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n')
    sys.stdout.write(ET.tostring(root, encoding="unicode") + "\n")
    sys.exit(0 if op_ret == 0 else 1)


def text(parent, tag, value):
    ET.SubElement(parent, tag).text = str(value)


def save(state):
    with open(STATE, "w") as file:
        json.dump(state, file, indent=1)


def find_peer(state, host):
    return next((peer for peer in state["peers"] if host in peer["hostnames"]), None)


def pool_list(state):
    def build(root):
        status = ET.SubElement(root, "peerStatus")
        for peer in state["peers"]:
            element = ET.SubElement(status, "peer")
            text(element, "uuid", peer["uuid"])
            text(element, "hostname", peer["hostnames"][0])
            names = ET.SubElement(element, "hostnames")
            for name in peer["hostnames"]:
                text(names, "hostname", name)
            text(element, "connected", 1 if peer["connected"] else 0)
            text(element, "state", 3)
            text(element, "stateStr", "Peer in Cluster")
        element = ET.SubElement(status, "peer")
        text(element, "uuid", state["uuid"])
        text(element, "hostname", "localhost")
        text(element, "connected", 1)

    answer(build=build)


def peer_probe(state, host):
    if host == state["self"]:
        answer(errstr="Probe on localhost not needed")
    if find_peer(state, host) is not None:
        answer(errstr=f"Host {host} port 24007 already in peer list")
    if host in state.get("unreachable", []):
        answer(-1, "Probe returned with Transport endpoint is not connected", op_errno=107)
    state["peers"].append({"uuid": str(uuid.uuid4()), "hostnames": [host], "connected": True})
    save(state)

    def build(root):
        text(root, "output", "peer probe: success")

    answer(build=build)


def volume_info(state, name):
    volume = state["volumes"].get(name)

    def build(root):
        volumes = ET.SubElement(ET.SubElement(root, "volInfo"), "volumes")
        if volume is not None:
            element = ET.SubElement(volumes, "volume")
            text(element, "name", name)
            text(element, "id", volume["id"])
            text(element, "status", volume["status"])
            text(element, "statusStr", STATUS[volume["status"]])
            text(element, "snapshotCount", 0)
            text(element, "brickCount", len(volume["bricks"]))
            text(element, "distCount", volume["replica"])
            text(element, "replicaCount", volume["replica"])
            text(element, "arbiterCount", volume["arbiter"])
            text(element, "disperseCount", 0)
            text(element, "redundancyCount", 0)
            text(element, "type", 2 if volume["replica"] > 1 else 0)
            text(element, "typeStr", "Replicate" if volume["replica"] > 1 else "Distribute")
            text(element, "transport", 0)
            bricks = ET.SubElement(element, "bricks")
            for number, brick in enumerate(volume["bricks"], 1):
                brick_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, brick))
                item = ET.SubElement(bricks, "brick", uuid=brick_uuid)
                item.text = brick
                text(item, "name", brick)
                text(item, "hostUuid", brick_uuid)
                last = number == len(volume["bricks"])
                text(item, "isArbiter", 1 if volume["arbiter"] and last else 0)
            text(element, "optCount", len(volume["options"]))
            options = ET.SubElement(element, "options")
            for key, value in volume["options"].items():
                option = ET.SubElement(options, "option")
                text(option, "name", key)
                text(option, "value", value)
        text(volumes, "count", 0 if volume is None else 1)

    if volume is None:
        answer(-1, "Volume does not exist", build)
    answer(build=build)


def volume_create(state, words):
    name, rest = words[0], words[1:]
    if name in state["volumes"]:
        answer(-1, f"Volume {name} already exists")
    replica = arbiter = 1
    if rest[:1] == ["replica"]:
        replica, rest = int(rest[1]), rest[2:]
    arbiter = 0
    if rest[:1] == ["arbiter"]:
        arbiter, rest = int(rest[1]), rest[2:]
    force = rest[-1:] == ["force"]
    bricks = rest[:-1] if force else rest
    if len(bricks) % replica:
        answer(-1, "number of bricks is not a multiple of replica count")
    for brick in bricks:
        host = brick.split(":", 1)[0]
        peer = find_peer(state, host)
        if host != state["self"] and (peer is None or not peer["connected"]):
            answer(-1, f"Host {host} is not in 'Peer in Cluster' state")
    if not force:
        answer(-1, f"The brick {bricks[0]} is being created in the root partition. It is recommended that you don't "
               "use the system's root partition for storage backend. Or use 'force' at the end of the command if "
               "you want to override this behavior.")
    state["volumes"][name] = {
        "id": str(uuid.uuid4()), "status": 0, "bricks": bricks, "replica": replica, "arbiter": arbiter,
        "options": dict(NEW_VOLUME_OPTIONS),
    }
    save(state)
    answer(build=lambda root: text(ET.SubElement(ET.SubElement(root, "volCreate"), "volume"), "name", name))


def volume_set(state, name, key, value):
    if name not in state["volumes"]:
        answer(-1, f"Volume {name} does not exist")
    state["volumes"][name]["options"][key] = value
    save(state)
    answer(build=lambda root: text(root, "cliOp", "volSet"))


def volume_start(state, name):
    volume = state["volumes"].get(name)
    if volume is None:
        answer(-1, f"Volume {name} does not exist")
    if volume["status"] == 1:
        answer(-1, f"Volume {name} already started")
    volume["status"] = 1
    save(state)
    answer(build=lambda root: text(ET.SubElement(ET.SubElement(root, "volStart"), "volume"), "name", name))


def main():
    arguments = sys.argv[1:]
    with open(os.environ["FAKE_GLUSTER_LOG"], "a") as log:
        log.write(json.dumps(arguments) + "\n")
    if arguments[:2] != ["--mode=script", "--xml"]:
        sys.stderr.write("the fake answers --mode=script --xml only\n")
        sys.exit(2)
    words = arguments[2:]
    with open(STATE) as file:
        state = json.load(file)
    failure = state.get("fail", {}).get(" ".join(words[:2]))
    if failure is not None:
        sys.stdout.write(failure.get("stdout", ""))
        sys.stderr.write(failure.get("stderr", ""))
        sys.exit(failure["rc"])
    command = words[:2]
    if command == ["pool", "list"]:
        pool_list(state)
    if command == ["peer", "probe"]:
        peer_probe(state, words[2])
    if command == ["volume", "info"]:
        volume_info(state, words[2])
    if command == ["volume", "create"]:
        volume_create(state, words[2:])
    if command == ["volume", "set"]:
        volume_set(state, *words[2:5])
    if command == ["volume", "start"]:
        volume_start(state, words[2])
    sys.stderr.write(f"unrecognized word: {' '.join(words)}\n")
    sys.exit(1)


main()
"""


@dataclass
class FakeGluster:
    directory: Path

    @property
    def state_file(self) -> Path:
        return self.directory / "state.json"

    @property
    def log_file(self) -> Path:
        return self.directory / "calls.log"

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.state_file.read_text(encoding="utf-8"))
        return state

    def set_state(self, state: dict[str, Any]) -> None:
        self.state_file.write_text(json.dumps(state, indent=1), encoding="utf-8")

    def calls(self) -> list[list[str]]:
        """Every call's words after `--mode=script --xml`, in order."""
        if not self.log_file.exists():
            return []
        lines = self.log_file.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)[2:] for line in lines]

    def changing_calls(self) -> list[list[str]]:
        return [call for call in self.calls() if tuple(call[:2]) in CHANGING]

    def forget_calls(self) -> None:
        self.log_file.unlink(missing_ok=True)

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PATH": f"{self.directory / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "FAKE_GLUSTER_STATE": str(self.state_file),
            "FAKE_GLUSTER_LOG": str(self.log_file),
        }


@pytest.fixture
def gluster(tmp_path: Path) -> Iterator[FakeGluster]:
    fake = FakeGluster(tmp_path)
    (tmp_path / "bin").mkdir()
    script = tmp_path / "bin" / "gluster"
    script.write_text(f"#!{sys.executable}\n{FAKE_GLUSTER}", encoding="utf-8")
    script.chmod(0o755)
    fake.set_state(fresh_pool(APP_1))
    yield fake


def peer(*hostnames: str, connected: bool = True) -> dict[str, Any]:
    return {"uuid": f"uuid-{hostnames[0]}", "hostnames": list(hostnames), "connected": connected}


def fresh_pool(address: str) -> dict[str, Any]:
    """A machine whose glusterd has just been installed: a pool of itself only, no volume."""
    return {"self": address, "uuid": f"uuid-{address}", "peers": [], "volumes": {}}


def converged_volume(**changes: Any) -> dict[str, Any]:
    volume = {
        "id": "5b3a0c9e-0000-4000-8000-000000000001",
        "status": 1,
        "bricks": BRICKS,
        "replica": 3,
        "arbiter": 1,
        "options": {
            "cluster.granular-entry-heal": "on",
            "storage.fips-mode-rchecksum": "on",
            "transport.address-family": "inet",
            "nfs.disable": "on",
            "performance.client-io-threads": "off",
            "network.ping-timeout": "5",
            "auth.allow": AUTH_ALLOW,
        },
    }
    return {**volume, **changes}


def converged_pool(address: str, volume: dict[str, Any] | None = None) -> dict[str, Any]:
    """The converged pool as `address` sees it: every other member a connected peer, the volume made."""
    others = [peer(member) for member in MEMBERS if member != address]
    return {**fresh_pool(address), "peers": others, "volumes": {NAME: volume or converged_volume()}}


def run(gluster: FakeGluster, address: str = APP_1, check_mode: bool = False, **overrides: Any) -> dict[str, Any]:
    """The module's JSON result, as the role calls it (`failed` is true when it exited non-zero)."""
    arguments = {
        "name": NAME,
        "address": address,
        "members": MEMBERS,
        "brick_dir": BRICK_DIR,
        "arbiter": True,
        "options": OPTIONS,
        "wait_timeout": 5,
        "_ansible_check_mode": check_mode,
        **overrides,
    }
    return run_module(MODULE, arguments, env=gluster.env())


def first_converge_commands(auth_allow: str) -> list[list[str]]:
    """What the first member runs on a fresh pool, in order: the two others probed, the arbiter volume
    made, the two options a new GlusterFS 10 volume lacks set, the volume started."""
    return [
        ["peer", "probe", APP_2],
        ["peer", "probe", BACKUP],
        ["volume", "create", NAME, "replica", "3", "arbiter", "1", *BRICKS, "force"],
        ["volume", "set", NAME, "network.ping-timeout", "5"],
        ["volume", "set", NAME, "auth.allow", auth_allow],
        ["volume", "start", NAME],
    ]


def test_a_fresh_pool_is_probed_and_the_arbiter_volume_made_set_and_started(gluster: FakeGluster) -> None:
    result = run(gluster)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"]
    assert result["probed"] == [APP_2, BACKUP], "the two other members must be probed, in order"
    assert result["created"] and result["started"]
    assert result["options_set"] == {"network.ping-timeout": "5", "auth.allow": AUTH_ALLOW}, (
        "nfs.disable is already on in a new GlusterFS 10 volume; only the differing options are set"
    )
    assert gluster.changing_calls() == first_converge_commands(AUTH_ALLOW)
    volume = gluster.state()["volumes"][NAME]
    assert (volume["bricks"], volume["replica"], volume["arbiter"], volume["status"]) == (BRICKS, 3, 1, 1)
    assert {key: volume["options"][key] for key in OPTIONS} == OPTIONS


def test_a_second_run_changes_nothing(gluster: FakeGluster) -> None:
    run(gluster)
    gluster.forget_calls()

    second = run(gluster)

    assert not second.get("failed"), second.get("msg")
    assert not second["changed"], f"a second run changed: {second}"
    assert (second["probed"], second["created"], second["options_set"], second["started"]) == ([], False, {}, False)
    assert gluster.changing_calls() == [], "a second run must only read"


def test_a_member_that_sees_itself_as_localhost_and_the_others_by_other_hostnames_changes_nothing(
    gluster: FakeGluster,
) -> None:
    """The earlier version's bug: it took only each peer's first hostname and not its own address,
    so on the second application machine it probed itself and the first one again."""
    state = converged_pool(APP_2)
    state["peers"] = [
        peer("docsys-app-01.danang.example", APP_1),
        peer("docsys-backup-01", "docsys-backup-01.danang.example", BACKUP),
    ]
    gluster.set_state(state)

    result = run(gluster, address=APP_2)

    assert not result.get("failed"), result.get("msg")
    assert not result["changed"], f"a converged volume seen from {APP_2} changed: {result}"
    assert result["probed"] == []
    assert gluster.changing_calls() == []


def test_a_member_known_by_its_name_only_is_recognised_by_the_volumes_bricks(gluster: FakeGluster) -> None:
    """As the lab showed: the machine that probed the others is known to them by the name it gave
    itself (its FQDN), not by its catalogue address. An existing volume with the wanted bricks has
    every member in its pool, so nothing is probed, whatever the names."""
    state = converged_pool(APP_2)
    state["peers"] = [peer("docsys-app-01.unresolvable.invalid"), peer(BACKUP)]
    gluster.set_state(state)

    result = run(gluster, address=APP_2)

    assert not result.get("failed"), result.get("msg")
    assert not result["changed"] and result["probed"] == [], result
    assert gluster.changing_calls() == []


def test_a_peer_listed_by_a_name_that_resolves_to_a_member_is_that_member(gluster: FakeGluster) -> None:
    """Before the volume exists: a peer listed by a name (this test machine's own, resolved here as
    the module resolves it) whose address is a member's is that member, not probed again."""
    name = socket.gethostname()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        pytest.skip(f"this machine cannot resolve its own name {name!r}")
    state = fresh_pool(APP_2)
    state["peers"] = [peer(name)]
    gluster.set_state(state)

    result = run(gluster, address=APP_2, members=[APP_2, address], arbiter=False, check_mode=True)

    assert not result.get("failed"), result.get("msg")
    assert result["probed"] == [], f"{name} resolves to {address}, a member: it must not be probed again"


def test_check_mode_on_a_fresh_pool_reports_everything_and_changes_nothing(gluster: FakeGluster) -> None:
    before = gluster.state()

    result = run(gluster, check_mode=True)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"]
    assert result["probed"] == [APP_2, BACKUP]
    assert result["created"] and result["started"]
    assert result["options_set"] == OPTIONS, "a volume not made yet would get every option"
    assert gluster.changing_calls() == [], "check mode must not run a changing command"
    assert gluster.state() == before


@pytest.mark.parametrize("address", MEMBERS)
def test_check_mode_on_a_converged_volume_reports_nothing_on_any_member(gluster: FakeGluster, address: str) -> None:
    gluster.set_state(converged_pool(address))

    result = run(gluster, address=address, check_mode=True)

    assert not result.get("failed"), result.get("msg")
    assert not result["changed"], f"check mode on {address} reports a change: {result}"
    assert gluster.changing_calls() == []


def test_a_member_that_is_down_is_not_probed_again_and_the_converge_finishes(gluster: FakeGluster) -> None:
    state = converged_pool(APP_1)
    state["peers"] = [peer(APP_2), peer(BACKUP, connected=False)]
    gluster.set_state(state)

    result = run(gluster)

    assert not result.get("failed"), f"a member down must not fail the converge: {result.get('msg')}"
    assert not result["changed"]
    assert result["probed"] == [], "a member the pool knows must not be probed again"
    assert gluster.changing_calls() == []


def test_a_missing_volume_is_not_made_while_a_member_is_not_connected(gluster: FakeGluster) -> None:
    state = fresh_pool(APP_1)
    state["peers"] = [peer(APP_2), peer(BACKUP, connected=False)]
    gluster.set_state(state)

    result = run(gluster, wait_timeout=1)

    assert result.get("failed")
    assert BACKUP in result["msg"] and "not connected after 1 s" in result["msg"], result["msg"]
    assert APP_2 not in result["msg"].split(":", 1)[1], f"only the member not connected is named: {result['msg']}"
    assert gluster.changing_calls() == [], "nothing to probe, and no volume made without every member"
    assert len([call for call in gluster.calls() if call == ["pool", "list"]]) >= 2, (
        "the module must wait and ask again"
    )


def test_a_member_that_refuses_the_probe_fails_with_the_command_its_exit_code_and_what_gluster_said(
    gluster: FakeGluster,
) -> None:
    state = fresh_pool(APP_1)
    state["unreachable"] = [BACKUP]
    gluster.set_state(state)

    result = run(gluster)

    assert result.get("failed")
    assert result["rc"] == 1
    assert result["cmd"][-3:] == ["peer", "probe", BACKUP]
    assert f"peer probe {BACKUP}` failed (exit code 1)" in result["msg"], result["msg"]
    assert "Transport endpoint is not connected" in result["msg"], result["msg"]
    assert "volume create" not in {" ".join(call[:2]) for call in gluster.calls()}


def test_glusterd_not_running_fails_with_rc_and_stderr_and_no_traceback(gluster: FakeGluster) -> None:
    state = gluster.state()
    problem = "Connection failed. Please check if gluster daemon is operational.\n"
    state["fail"] = {"pool list": {"rc": 1, "stderr": problem}}
    gluster.set_state(state)

    result = run(gluster)  # run_module fails the test on a traceback

    assert result.get("failed")
    assert (result["rc"], result["stderr"]) == (1, problem)
    assert "pool list` failed (exit code 1): Connection failed" in result["msg"], result["msg"]


@pytest.mark.parametrize(
    ("volume", "described"),
    [
        pytest.param(
            converged_volume(bricks=[f"{member}:/srv/gluster/media" for member in MEMBERS]),
            f"bricks {APP_1}:/srv/gluster/media",
            id="other bricks",
        ),
        pytest.param(
            converged_volume(bricks=[BRICKS[1], BRICKS[0], BRICKS[2]]),
            f"bricks {BRICKS[1]}, {BRICKS[0]}",
            id="bricks in another order",
        ),
        pytest.param(converged_volume(arbiter=0), "(replica 3, arbiter 0)", id="no arbiter"),
        pytest.param(
            converged_volume(bricks=BRICKS[:2], replica=2, arbiter=0), "(replica 2, arbiter 0)", id="replica 2"
        ),
    ],
)
def test_an_existing_volume_of_another_layout_fails_naming_both(
    gluster: FakeGluster, volume: dict[str, Any], described: str
) -> None:
    gluster.set_state(converged_pool(APP_1, volume))

    result = run(gluster)

    assert result.get("failed"), "a volume of another layout must never be accepted"
    existing, _, requested = result["msg"].partition(", not the requested ")
    assert existing.startswith(f"volume {NAME} exists with bricks ") and described in existing, result["msg"]
    assert requested.startswith(f"bricks {', '.join(BRICKS)} (replica 3, arbiter 1)"), result["msg"]
    assert gluster.changing_calls() == []


def test_an_auth_allow_in_another_order_is_not_changed(gluster: FakeGluster) -> None:
    volume = converged_volume()
    volume["options"]["auth.allow"] = f"{BACKUP}, {APP_2},{APP_1}"
    gluster.set_state(converged_pool(APP_1, volume))

    result = run(gluster)

    assert not result.get("failed"), result.get("msg")
    assert not result["changed"], f"the same addresses in another order count as a change: {result}"
    assert gluster.changing_calls() == []


def test_only_the_options_that_differ_are_set_and_a_stopped_volume_is_started(gluster: FakeGluster) -> None:
    volume = converged_volume(status=2)
    volume["options"]["network.ping-timeout"] = "42"
    volume["options"]["auth.allow"] = f"{APP_1},{APP_2}"
    gluster.set_state(converged_pool(APP_1, volume))

    result = run(gluster)

    assert not result.get("failed"), result.get("msg")
    assert result["options_set"] == {"network.ping-timeout": "5", "auth.allow": AUTH_ALLOW}
    assert result["started"] and not result["created"]
    assert gluster.changing_calls() == [
        ["volume", "set", NAME, "network.ping-timeout", "5"],
        ["volume", "set", NAME, "auth.allow", AUTH_ALLOW],
        ["volume", "start", NAME],
    ]


def test_a_single_member_volume_is_made_without_replica(gluster: FakeGluster) -> None:
    result = run(gluster, members=[APP_1], arbiter=False)

    assert not result.get("failed"), result.get("msg")
    assert ["volume", "create", NAME, f"{APP_1}:{BRICK_DIR}", "force"] in gluster.changing_calls()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"address": "10.48.9.9"}, "address 10.48.9.9 is not one of the members"),
        ({"members": [APP_1, APP_2]}, "an arbiter volume has exactly three members"),
        ({"members": [APP_1, APP_1, BACKUP]}, f"members lists {APP_1} more than once"),
        ({"brick_dir": "srv/media"}, "brick_dir 'srv/media' is not an absolute path"),
    ],
)
def test_arguments_the_module_cannot_converge_fail_before_any_command(
    gluster: FakeGluster, overrides: dict[str, Any], message: str
) -> None:
    result = run(gluster, **overrides)

    assert result.get("failed")
    assert message in result["msg"], result["msg"]
    assert gluster.calls() == []


def test_the_role_hands_the_module_its_members_options_and_sorted_auth_allow(
    gluster: FakeGluster, tmp_path: Path
) -> None:
    """The role's own task (tasks/main.yml), run by ansible-playbook with the role's defaults and
    vars: what reaches the fake gluster is what the README promises."""
    role = ROOT / "roles/glusterfs"
    tasks = yaml.safe_load((role / "tasks/main.yml").read_text(encoding="utf-8"))
    task = next(task for task in tasks if "glusterfs_volume" in task)
    task = {key: value for key, value in task.items() if key not in ("run_once", "when")}
    task["environment"] = {key: gluster.env()[key] for key in ("PATH", "FAKE_GLUSTER_STATE", "FAKE_GLUSTER_LOG")}
    (tmp_path / "library").symlink_to(role / "library")
    inputs = {
        "glusterfs_volume_name": NAME,
        "glusterfs_address": APP_1,
        "glusterfs_members": MEMBERS,
        "glusterfs_arbiter": True,
        "glusterfs_clients": ["10.48.2.30", APP_2],
        "glusterfs_base_port": 49152,
        "glusterfs_max_port": 49155,
    }
    play = {
        "name": "glusterfs_volume as the role calls it",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        # The role's defaults under its inputs (play vars lose to vars_files), its vars above them.
        "vars": {**yaml.safe_load((role / "defaults/main.yml").read_text(encoding="utf-8")), **inputs},
        "vars_files": [str(role / "vars/main.yml")],
        "tasks": [task],
    }

    result = run_plays(tmp_path / "play.yml", [play])

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    auth_allow = ",".join(sorted({*MEMBERS, "10.48.2.30"}))
    assert gluster.changing_calls() == first_converge_commands(auth_allow), (
        "the brick is /srv/glusterfs/<volume>, ping-timeout 5, auth.allow the members and clients sorted, once each"
    )


def test_glusterd_vol_keeps_debian_s_settings_and_sets_the_bricks_ports(tmp_path: Path) -> None:
    context = {"ansible_managed": "Ansible managed", "glusterfs_base_port": 49152, "glusterfs_max_port": 49155}
    rendered = render_template("glusterfs", "etc/glusterfs/glusterd.vol", context, tmp_path / "glusterd.vol")

    lines = [line.strip() for line in rendered.read_text(encoding="utf-8").splitlines()]
    settings = [line for line in lines if line and not line.startswith("#")]
    assert settings == [
        "volume management",
        "type mgmt/glusterd",
        "option working-directory /var/lib/glusterd",
        "option transport-type socket",
        "option transport.socket.keepalive-time 10",
        "option transport.socket.keepalive-interval 2",
        "option transport.socket.read-fail-log off",
        "option transport.socket.listen-port 24007",
        "option ping-timeout 0",
        "option event-threads 1",
        "option base-port 49152",
        "option max-port 49155",
        "end-volume",
    ]
    assert "# Ansible managed" in lines
