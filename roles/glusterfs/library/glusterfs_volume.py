#!/usr/bin/python
"""Ansible module: one replicated GlusterFS volume, its pool, options and start, through the gluster CLI.

Copied to the target and run there: it imports only the standard library and ansible.module_utils.
Under the project's ruff and mypy gates; tests/roles/test_glusterfs_volume.py runs it against a fake
`gluster` that answers with the real CLI's XML (cli/src/cli-xml-output.c of GlusterFS).
"""

import socket
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from typing import Any

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: glusterfs_volume
short_description: Make one replicated GlusterFS volume and keep its options (gluster CLI, GlusterFS 10)
description:
  - Run on any one member (C(run_once)); the pool and the volume are the same seen from every member.
  - Probes into the pool each member it does not know yet. Every hostname the pool lists for a peer
    counts (C(gluster pool list) names a peer by its first hostname and lists the others under
    C(hostnames)), and so does this machine's own I(address) (the pool lists it as C(localhost)).
    A member the pool knows but cannot reach is not probed again.
  - Makes the volume when it does not exist, once every member is in the pool and connected (waits
    up to I(wait_timeout) seconds, then fails naming those that are not), with one brick per member,
    C(<address>:<brick_dir>), in the members' order; C(replica N) for N members, C(arbiter 1) with
    I(arbiter) (the last member's brick then holds metadata only), and C(force), since the bricks
    live on the root filesystem.
  - Never changes an existing volume's layout: a volume whose bricks, replica or arbiter count
    differ from those asked for is a failure naming both.
  - Sets each option of I(options) whose value differs (C(auth.allow) is compared as a set of
    addresses), then starts the volume unless it is started. Options not in I(options) are left alone.
  - Idempotent; supports check mode (runs only the reading commands and reports what it would do).
  - A gluster command that fails is a module failure with the command, its exit code and its output.
options:
  name:
    description: The volume's name.
    type: str
    required: true
  address:
    description: This machine's own address, one of I(members).
    type: str
    required: true
  members:
    description: Every member's address, in order; the last holds the arbiter brick with I(arbiter).
    type: list
    elements: str
    required: true
  brick_dir:
    description: The brick's path on every member (gluster creates it; its parent must exist).
    type: str
    required: true
  arbiter:
    description: Whether the last member holds an arbiter brick (exactly three members).
    type: bool
    default: false
  options:
    description: Volume options and their values (C(gluster volume set)).
    type: dict
    default: {}
  wait_timeout:
    description: Seconds to wait for every member to be connected before the volume is made.
    type: int
    default: 60
author: provcloud
"""

EXAMPLES = r"""
- name: Make the document system's media volume (two full bricks, an arbiter on the backup machine)
  glusterfs_volume:
    name: docsystem-media
    address: 10.48.2.21
    members: [10.48.2.21, 10.48.2.22, 10.48.3.11]
    brick_dir: /srv/glusterfs/docsystem-media
    arbiter: true
    options:
      network.ping-timeout: "5"
      auth.allow: 10.48.2.21,10.48.2.22,10.48.3.11
      nfs.disable: "on"
  run_once: true
"""

RETURN = r"""
probed:
  description: Members probed into the pool (or that would be, in check mode), in order.
  returned: always
  type: list
  elements: str
created:
  description: Whether the volume was made (or would be).
  returned: always
  type: bool
options_set:
  description: The options set (or that would be), with their new values.
  returned: always
  type: dict
started:
  description: Whether the volume was started (or would be).
  returned: always
  type: bool
cmd:
  description: On a failed gluster command, that command.
  returned: failure
  type: list
rc:
  description: On a failed gluster command, its exit code.
  returned: failure
  type: int
stderr:
  description: On a failed gluster command, its standard error.
  returned: failure
  type: str
"""

LOCALHOST = "localhost"
"""How `gluster pool list` names the machine it runs on."""
IN_CLUSTER = "Peer in Cluster"
"""A peer's state once the probe is done (glusterd's GD_FRIEND_STATE_BEFRIENDED)."""
MISSING = "does not exist"
"""In the opErrstr of `volume info` for a missing volume: glusterd answers "Volume does not exist"."""
STARTED = "Started"
POLL_SECONDS = 1.0


class GlusterError(Exception):
    """A gluster command failed: `problem` is what it said (opErrstr, or its output)."""

    def __init__(self, command: list[str], rc: int, stdout: str, stderr: str, problem: str) -> None:
        super().__init__(f"`{' '.join(command)}` failed (exit code {rc}): {problem}")
        self.command = command
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.problem = problem


class LayoutError(Exception):
    """The arguments, or the existing volume, are not what the module can converge."""


@dataclass(frozen=True)
class Peer:
    hostnames: frozenset[str]
    connected: bool
    in_cluster: bool


@dataclass(frozen=True)
class Pool:
    peers: list[Peer]
    """The other machines of the pool (this one, `localhost`, left out)."""
    address: str
    """This machine's own address."""

    def known(self) -> set[str]:
        return {self.address}.union(*(peer.hostnames for peer in self.peers))

    def ready(self) -> set[str]:
        """The addresses of machines in the pool and reachable now (this one included)."""
        ready = {self.address}
        for peer in self.peers:
            if peer.connected and peer.in_cluster:
                ready |= peer.hostnames
        return ready


@dataclass(frozen=True)
class Layout:
    bricks: list[str]
    replica: int
    arbiter: int

    def __str__(self) -> str:
        return f"bricks {', '.join(self.bricks)} (replica {self.replica}, arbiter {self.arbiter})"


@dataclass(frozen=True)
class Volume:
    layout: Layout
    started: bool
    options: dict[str, str]


class Gluster:
    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.binary: str = module.get_bin_path("gluster", required=True)

    def run(self, *args: str) -> ElementTree.Element:
        """The command's <cliOutput>; GlusterError unless it answered XML with opRet 0 and exit code 0."""
        command = [self.binary, "--mode=script", "--xml", *args]
        rc, stdout, stderr = self.module.run_command(command)
        try:
            root = ElementTree.fromstring(stdout)
        except ElementTree.ParseError:
            # Not XML: glusterd unreachable ("Connection failed. Please check if gluster daemon is
            # operational."), or an argument the CLI refused before asking glusterd.
            said = (stderr.strip() or stdout.strip() or "no output")[:2000]
            raise GlusterError(command, rc, stdout, stderr, said) from None
        if root.findtext("opRet", "").strip() != "0" or rc != 0:
            said = root.findtext("opErrstr", "").strip() or stderr.strip() or f"opRet {root.findtext('opRet')}"
            raise GlusterError(command, rc, stdout, stderr, said)
        return root

    def pool(self, address: str) -> Pool:
        peers = []
        for peer in self.run("pool", "list").iter("peer"):
            hostnames = {(peer.findtext("hostname") or "").strip()}
            hostnames |= {(name.text or "").strip() for name in peer.findall("hostnames/hostname")}
            hostnames.discard("")
            if LOCALHOST in hostnames:
                continue
            hostnames |= resolved(hostnames)
            state = peer.findtext("stateStr")
            peers.append(
                Peer(
                    hostnames=frozenset(hostnames),
                    connected=(peer.findtext("connected") or "").strip() == "1",
                    in_cluster=state is None or state.strip() == IN_CLUSTER,
                )
            )
        return Pool(peers=peers, address=address)

    def volume(self, name: str) -> Volume | None:
        try:
            root = self.run("volume", "info", name)
        except GlusterError as error:
            if MISSING in error.problem:
                return None
            raise
        found = next((item for item in root.iter("volume") if item.findtext("name") == name), None)
        if found is None:
            return None
        bricks = [(brick.findtext("name") or brick.text or "").strip() for brick in found.findall("bricks/brick")]
        options = {
            (option.findtext("name") or "").strip(): (option.findtext("value") or "").strip()
            for option in found.findall("options/option")
        }
        layout = Layout(bricks=bricks, replica=_count(found, "replicaCount"), arbiter=_count(found, "arbiterCount"))
        return Volume(layout=layout, started=(found.findtext("statusStr") or "").strip() == STARTED, options=options)


def resolved(hostnames: set[str]) -> set[str]:
    """The IPv4 addresses the names resolve to here. A probed machine knows its prober by the name
    the prober gave itself (its FQDN), not by the address the catalogue lists: a member must be
    recognised under either."""
    found: set[str] = set()
    for hostname in hostnames:
        try:
            found |= {str(info[4][0]) for info in socket.getaddrinfo(hostname, None, socket.AF_INET)}
        except (OSError, UnicodeError):
            continue  # a name this machine cannot resolve: only the name itself is known
    return found


def _count(volume: ElementTree.Element, tag: str) -> int:
    text = (volume.findtext(tag) or "0").strip()
    return int(text) if text.lstrip("-").isdigit() else 0


def wanted_layout(members: list[str], brick_dir: str, arbiter: bool, address: str) -> Layout:
    if not members:
        raise LayoutError("members is empty: list every member's address")
    duplicates = sorted({member for member in members if members.count(member) > 1})
    if duplicates:
        raise LayoutError(f"members lists {', '.join(duplicates)} more than once")
    if address not in members:
        raise LayoutError(f"address {address} is not one of the members ({', '.join(members)})")
    if arbiter and len(members) != 3:
        raise LayoutError(
            f"an arbiter volume has exactly three members (two full bricks, then the arbiter), not {len(members)}"
        )
    if not brick_dir.startswith("/"):
        raise LayoutError(f"brick_dir {brick_dir!r} is not an absolute path")
    return Layout(bricks=[f"{member}:{brick_dir}" for member in members], replica=len(members), arbiter=int(arbiter))


def addresses(value: str) -> set[str]:
    return {item.strip() for item in value.split(",") if item.strip()}


def same_option(key: str, current: str | None, wanted: str) -> bool:
    if current is None:
        return False
    if key == "auth.allow":
        return addresses(current) == addresses(wanted)
    return current == wanted


def create_arguments(name: str, layout: Layout) -> list[str]:
    replica = ["replica", str(layout.replica)] if layout.replica > 1 else []
    arbiter = ["arbiter", "1"] if layout.arbiter else []
    return ["volume", "create", name, *replica, *arbiter, *layout.bricks, "force"]


def wait_for_members(gluster: Gluster, address: str, members: list[str], timeout: int, name: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        pool = gluster.pool(address)
        waiting = [member for member in members if member not in pool.ready()]
        if not waiting:
            return
        if time.monotonic() >= deadline:
            unknown = [member for member in waiting if member not in pool.known()]
            detail = f" ({', '.join(unknown)} not even in the pool)" if unknown else ""
            raise LayoutError(
                f"volume {name} does not exist yet and is made only with every member in the pool: "
                f"{', '.join(waiting)} not connected after {timeout} s{detail}. Check that glusterd runs "
                "there (systemctl status glusterd) and that TCP 24007 is open between the members."
            )
        time.sleep(POLL_SECONDS)


def converge(module: AnsibleModule, gluster: Gluster) -> dict[str, Any]:
    params = module.params
    name: str = params["name"]
    address: str = params["address"]
    members: list[str] = params["members"]
    wanted = wanted_layout(members, params["brick_dir"], params["arbiter"], address)
    options = {str(key): str(value) for key, value in (params["options"] or {}).items()}
    check_mode = module.check_mode

    pool = gluster.pool(address)
    volume = gluster.volume(name)
    if volume is not None and volume.layout != wanted:
        raise LayoutError(
            f"volume {name} exists with {volume.layout}, not the requested {wanted}. The module never "
            "changes a volume's layout: put the members back as they were, or move the volume by hand "
            "(gluster volume replace-brick / add-brick)."
        )

    # An existing volume with the wanted bricks has every member in its pool: glusterd puts bricks on
    # peers only. Probing again would only ask a member that may be down right now.
    known = pool.known()
    probed = [member for member in members if member not in known] if volume is None else []
    if not check_mode:
        for member in probed:
            gluster.run("peer", "probe", member)

    created = volume is None
    if volume is None and not check_mode:
        wait_for_members(gluster, address, members, params["wait_timeout"], name)
        gluster.run(*create_arguments(name, wanted))
        volume = gluster.volume(name)
        if volume is None:
            raise LayoutError(f"volume {name} was made but `gluster volume info {name}` does not show it")

    current = volume.options if volume is not None else {}
    options_set = {key: value for key, value in options.items() if not same_option(key, current.get(key), value)}
    if not check_mode:
        for key, value in options_set.items():
            gluster.run("volume", "set", name, key, value)

    started = volume is None or not volume.started
    if started and not check_mode:
        gluster.run("volume", "start", name)

    return {
        "changed": bool(probed or created or options_set or started),
        "probed": probed,
        "created": created,
        "options_set": options_set,
        "started": started,
    }


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "address": {"type": "str", "required": True},
            "members": {"type": "list", "elements": "str", "required": True},
            "brick_dir": {"type": "str", "required": True},
            "arbiter": {"type": "bool", "default": False},
            "options": {"type": "dict", "default": {}},
            "wait_timeout": {"type": "int", "default": 60},
        },
        supports_check_mode=True,
    )
    try:
        result = converge(module, Gluster(module))
    except LayoutError as error:
        module.fail_json(msg=str(error))
    except GlusterError as error:
        module.fail_json(msg=str(error), cmd=error.command, rc=error.rc, stdout=error.stdout, stderr=error.stderr)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
