"""The replicated document database's inputs (docs/high-availability.md, part 2): which machines form
its consensus store (etcd), how Patroni runs PostgreSQL on the database machines, and the address
vip-manager keeps on the leader.

The database is replicated when the catalogue lists more than one `docsystem_db` machine. The store
then has one member per database machine and, while that makes an even number, the province's first
backup machine as a tie-breaker (provcloud.catalogue.tie_breaker).
"""

from dataclasses import dataclass
from typing import Any

from provcloud.catalogue import MachineRole, Province, ServiceMachine
from provcloud.catalogue.tie_breaker import with_tie_breaker
from provcloud.controller_state import ControllerPaths
from provcloud.service_ports import POSTGRESQL_PORT

HostVars = dict[str, Any]

ETCD_CLIENT_PORT = 2379
ETCD_PEER_PORT = 2380
PATRONI_API_PORT = 8008
REPLICATION_USER = "replicator"
"""The role the standby streams the primary's WAL as (Patroni creates it at bootstrap)."""
REWIND_USER = "rewind"
"""The role a former primary runs pg_rewind as to rejoin as the standby without a full copy."""
NAMESPACE = "/docsystem/"
"""The folder of the cluster's keys in the store."""
DEBIAN_CLUSTER = "15-main"
"""Patroni's scope: Debian's cluster (<version>-<cluster>, the postgresql role's defaults), which the
patroni package's bootstrap and clone wrappers read from it."""
SYNCHRONOUS_LEVEL = 4
"""From this security level a commit returns once the standby has it on disk (no acknowledged
document is lost on failover); from `STRICT_LEVEL` writes stop while no standby confirms them."""
STRICT_LEVEL = 5


@dataclass(frozen=True)
class ReplicatedDatabase:
    province: Province
    paths: ControllerPaths

    @property
    def servers(self) -> list[ServiceMachine]:
        return self.province.machines_with_role(MachineRole.docsystem_db)

    @property
    def replicated(self) -> bool:
        return len(self.servers) > 1

    def store_members(self) -> list[ServiceMachine]:
        """The database machines, and a backup machine while they are an even number."""
        if not self.replicated:
            return []
        return with_tie_breaker(self.province, MachineRole.docsystem_db, self.servers)

    def level(self) -> int:
        return max(self.province.machine_level(server) for server in self.servers)

    def etcd(self, machine: ServiceMachine) -> HostVars:
        members = self.store_members()
        if machine not in members:
            return {}
        return {
            "etcd_member_name": self.province.machine_fqdn(machine),
            "etcd_address": str(machine.ip),
            "etcd_members": [
                {"name": self.province.machine_fqdn(member), "address": str(member.ip)} for member in members
            ],
            "etcd_cluster_token": f"{self.province.slug}-docsystem-db",
            "etcd_client_port": ETCD_CLIENT_PORT,
            "etcd_peer_port": ETCD_PEER_PORT,
        }

    def etcd_endpoints(self) -> list[str]:
        return [f"{member.ip}:{ETCD_CLIENT_PORT}" for member in self.store_members()]

    def patroni(self, machine: ServiceMachine) -> HostVars:
        if not self.replicated or machine not in self.servers:
            return {}
        level = self.level()
        zone = self.province.network.zones[machine.zone]
        address = self.province.virtual_ips.get(MachineRole.docsystem_db)
        inputs: HostVars = {
            "patroni_namespace": NAMESPACE,
            "patroni_name": self.province.machine_fqdn(machine),
            "patroni_address": str(machine.ip),
            "patroni_api_port": PATRONI_API_PORT,
            "patroni_etcd_hosts": self.etcd_endpoints(),
            "patroni_synchronous_mode": level >= SYNCHRONOUS_LEVEL,
            "patroni_synchronous_mode_strict": level >= STRICT_LEVEL,
            "patroni_replication_password_file": str(self.paths.database_password(REPLICATION_USER)),
            "patroni_rewind_password_file": str(self.paths.database_password(REWIND_USER)),
            "patroni_api_password_file": str(self.paths.database_password("patroni-api")),
        }
        if address is not None:
            inputs |= {
                "vip_manager_ip": str(address.ip),
                "vip_manager_prefix_length": zone.cidr.prefixlen,
                "vip_manager_interface": self.province.machine_interface(machine),
                "vip_manager_trigger_key": f"{NAMESPACE}{DEBIAN_CLUSTER}/leader",
                "vip_manager_trigger_value": self.province.machine_fqdn(machine),
                "vip_manager_etcd_endpoints": [f"https://{host}" for host in self.etcd_endpoints()],
                "vip_manager_cluster": DEBIAN_CLUSTER,
            }
        return inputs

    def firewall_rules(self, machine: ServiceMachine) -> list[HostVars]:
        """etcd's Raft between the members and its clients (Patroni and vip-manager on the database
        machines); PostgreSQL's replication and Patroni's REST API between the database machines."""
        members = self.store_members()
        rules: list[HostVars] = []
        if machine in members:
            others = [f"{member.ip}/32" for member in members if member != machine]
            clients = [f"{server.ip}/32" for server in self.servers if server != machine]
            rules += [
                {"name": "etcd members (Raft)", "protocol": "tcp", "port": ETCD_PEER_PORT, "sources": others},
                {"name": "etcd clients (Patroni, vip-manager)", "protocol": "tcp", "port": ETCD_CLIENT_PORT,
                 "sources": sorted(set(others) | set(clients))},
            ]  # fmt: skip
        if self.replicated and machine in self.servers:
            peers = [f"{server.ip}/32" for server in self.servers if server != machine]
            rules += [
                {"name": "PostgreSQL replication from the other database machines", "protocol": "tcp",
                 "port": POSTGRESQL_PORT, "sources": peers},
                {"name": "Patroni REST API from the other database machines", "protocol": "tcp",
                 "port": PATRONI_API_PORT, "sources": peers},
            ]  # fmt: skip
        return rules
