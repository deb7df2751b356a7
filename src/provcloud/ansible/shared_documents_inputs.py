"""The document system's shared documents (docs/high-availability.md, part 3): when the catalogue
lists more than one `docsystem_app` machine, Mayan's media folder (the documents, their page
caches, the search index) is one GlusterFS volume every application machine mounts, replicated over
their bricks and, for a pair, an arbiter brick on the province's first backup machine
(provcloud.catalogue.tie_breaker): losing one machine leaves a quorum of bricks, so writes go
on.

The pair also needs what one machine never did: locks every machine sees (Mayan's database lock
backend instead of each machine's own Redis), and the periodic scheduler (Celery beat) on one
machine only — the holder of the pair's address (keepalived's notify scripts start and stop it).
"""

from dataclasses import dataclass
from typing import Any

from provcloud.catalogue import MachineRole, Province, ServiceMachine
from provcloud.catalogue.tie_breaker import with_tie_breaker

HostVars = dict[str, Any]

VOLUME = "docsystem-media"
GLUSTERD_PORT = 24007
"""glusterd's management port: peers probe each other and clients fetch the volume's layout here."""
BRICK_PORTS = (49152, 49155)
"""The ports glusterd gives its bricks (its `base-port` to `max-port`): one brick per machine needs
one; the range leaves room for a restarted brick that has not released its port yet."""
DOCSYSTEM_USER_ID = 990
"""The document system's account (user and group id) on every machine that mounts the volume: the
files carry numeric owners, so the account must be the same number everywhere."""
SCHEDULER_UNIT = "docsystem-beat"
"""Celery beat queues Mayan's periodic tasks: two of them would queue each task twice."""


@dataclass(frozen=True)
class SharedDocuments:
    province: Province

    @property
    def applications(self) -> list[ServiceMachine]:
        return self.province.machines_with_role(MachineRole.docsystem_app)

    @property
    def shared(self) -> bool:
        return len(self.applications) > 1

    def members(self) -> list[ServiceMachine]:
        """The machines that hold a brick: the application machines, and the tie-breaker's arbiter."""
        return with_tie_breaker(self.province, MachineRole.docsystem_app, self.applications) if self.shared else []

    def arbiter(self) -> bool:
        """Whether the last member holds only the files' names and metadata (the tie-breaker)."""
        return len(self.members()) > len(self.applications)

    def glusterfs(self, machine: ServiceMachine) -> HostVars:
        members = self.members()
        if machine not in members:
            return {}
        return {
            "glusterfs_volume_name": VOLUME,
            "glusterfs_address": str(machine.ip),
            "glusterfs_members": [str(member.ip) for member in members],
            "glusterfs_arbiter": self.arbiter(),
            "glusterfs_base_port": BRICK_PORTS[0],
            "glusterfs_max_port": BRICK_PORTS[1],
        }

    def docsystem(self, machine: ServiceMachine) -> HostVars:
        """The application machine mounts the volume from its own server, and from the others when
        that one is down (`backup-volfile-servers`)."""
        if not self.shared or machine not in self.applications:
            return {}
        return {
            "docsystem_media_volume": f"{machine.ip}:/{VOLUME}",
            "docsystem_media_volume_servers": [str(member.ip) for member in self.members() if member != machine],
            "docsystem_user_id": DOCSYSTEM_USER_ID,
            "docsystem_lock_manager": "database",
            "docsystem_run_scheduler": False,
        }

    def keepalived_holder_units(self, machine: ServiceMachine) -> HostVars:
        if not self.shared or machine not in self.applications:
            return {}
        return {"keepalived_holder_units": [SCHEDULER_UNIT]}

    def firewall_rules(self, machine: ServiceMachine) -> list[HostVars]:
        """glusterd and the bricks, from the other members: replication and healing, and the clients —
        the application machines are members, and every client writes to every brick itself."""
        members = self.members()
        if machine not in members:
            return []
        sources = sorted(f"{other.ip}/32" for other in members if other != machine)
        ports = f"{BRICK_PORTS[0]}-{BRICK_PORTS[1]}"
        return [
            {"name": "GlusterFS management (glusterd) from the volume's members", "protocol": "tcp",
             "port": GLUSTERD_PORT, "sources": sources},
            {"name": "GlusterFS bricks of the shared documents from the volume's members", "protocol": "tcp",
             "port": ports, "sources": sources},
        ]  # fmt: skip
