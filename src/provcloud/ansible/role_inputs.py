"""Each role's inputs on one service machine, derived from the catalogue in one place.

The inventory plugin hands them to the roles as host variables, flat and prefixed with the role's
name (`common_firewall_service_rules`, `docsystem_database_user`, `lgsp_node_routes`): roles never
read the catalogue nor group names, so an ops team can run a role from a hand-written inventory
that sets the same variables (each role's `meta/argument_specs.yml` describes them).

Every rule shared by two roles lives here once: the machines' names, the service ports, the
document system's database (name, owner, address, password file), who may reach which service,
the controller's secret paths.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provcloud.ansible import (
    database_ha_inputs,
    exchange_inputs,
    keepalived_inputs,
    lgsp_routes,
    shared_documents_inputs,
)
from provcloud.catalogue import MachineRole, Province, ServiceMachine
from provcloud.catalogue.lab_peer import PeerGroup
from provcloud.controller_state import ControllerPaths
from provcloud.exchange import mayan
from provcloud.service_ports import DOCSYSTEM_PORT, LGSP_PORT, POSTGRESQL_PORT
from provcloud.tls_policy import TLS_CIPHERS, TLS_PROTOCOLS

HostVars = dict[str, Any]

DOCSYSTEM_DATABASE = "docsystem"
"""The document system's database, and the PostgreSQL role that owns it and that it connects as."""
DOCSYSTEM_STORAGE_DIR = "/srv/docsystem"
DOCSYSTEM_USER = "docsystem"
"""The document system's account on its application machines: it owns the documents, and a restore
unpacks them as it (never as root keeping the owners a backup records)."""
RESTORE_SYSTEM_USER = "postgres"
"""The database machine's account the backup role restores from, logged in as the application's role."""
"""Where the document system keeps its files; the documents are `<storage>/media` (backed up)."""


@dataclass(frozen=True)
class DatabaseCoordinates:
    """How the document system reaches its database, and what the postgresql role creates for it."""

    host: str
    """The database's service address (no name resolution needed): the pair's virtual IP when one is
    declared, else the machine's own address."""
    port: int
    name: str
    user: str
    password_file: Path
    """On the controller: generated once by the postgresql role, read by the docsystem role."""


def _held_by(machines: list[ServiceMachine]) -> HostVars:
    return {"hosts": [machine.name for machine in machines], "addresses": [str(machine.ip) for machine in machines]}


def _cidr(machine: ServiceMachine) -> str:
    return f"{machine.ip}/32"


@dataclass(frozen=True)
class RoleInputs:
    """The roles' inputs for the machines of one province."""

    province: Province
    paths: ControllerPaths
    lab: bool
    peer_group: PeerGroup | None = None
    """The lab provinces sharing this one's national peer (catalogue/lab_peer.py), if any."""

    @property
    def replicated_database(self) -> database_ha_inputs.ReplicatedDatabase:
        return database_ha_inputs.ReplicatedDatabase(self.province, self.paths)

    @property
    def shared_documents(self) -> shared_documents_inputs.SharedDocuments:
        return shared_documents_inputs.SharedDocuments(self.province)

    @property
    def axis(self) -> exchange_inputs.Axis:
        return exchange_inputs.Axis(self.province, self.paths, self.peer_group)

    def national_ca_dir(self) -> Path:
        """The lab's stand-in national CA: the peer's province keeps it, and every province sharing
        that peer has its nodes' national certificates signed by it."""
        group = self.peer_group
        owner = self.paths if group is None else ControllerPaths(self.paths.root.parent / group.peer.slug)
        return owner.pki / "national-ca"

    def machines(self, role: MachineRole) -> list[ServiceMachine]:
        return self.province.machines_with_role(role)

    def first(self, role: MachineRole) -> ServiceMachine | None:
        machines = self.machines(role)
        return machines[0] if machines else None

    def docsystem_database(self) -> DatabaseCoordinates | None:
        server = self.first(MachineRole.docsystem_db)
        if server is None:
            return None
        return DatabaseCoordinates(
            host=str(self.province.service_address(server)),
            port=POSTGRESQL_PORT,
            name=DOCSYSTEM_DATABASE,
            user=DOCSYSTEM_DATABASE,
            password_file=self.paths.database_password(DOCSYSTEM_DATABASE),
        )

    def for_machine(self, machine: ServiceMachine) -> HostVars:
        """Every input the machine's roles take: common and pki everywhere, then its service's."""
        inputs = {**self.common(machine), **self.pki(machine)}
        role_inputs = {
            MachineRole.lgsp_node: self.lgsp_node,
            MachineRole.national_peer: self.national_peer,
            MachineRole.docsystem_app: self.docsystem,
            MachineRole.docsystem_db: self.postgresql,
            MachineRole.backup: self.backup_server,
        }
        inputs.update(role_inputs[machine.role](machine))
        inputs.update(keepalived_inputs.keepalived(self.province, machine))
        inputs.update(self.replicated_database.etcd(machine))
        inputs.update(self.replicated_database.patroni(machine))
        inputs.update(self.shared_documents.glusterfs(machine))
        inputs.update(self.shared_documents.docsystem(machine))
        inputs.update(self.shared_documents.keepalived_holder_units(machine))
        if machine.role is MachineRole.lgsp_node and exchange_inputs.runs_exchange(self.province):
            inputs.update(exchange_inputs.provincial(self.axis, machine))
        if machine.role is MachineRole.national_peer and self.axis.nodes():  # else no province to route to
            inputs.update(exchange_inputs.national(self.axis, machine))
        if machine.role in (MachineRole.docsystem_app, MachineRole.docsystem_db):
            inputs.update(self.backup_source())
        return inputs

    # --- common: the baseline of every machine ---------------------------------------------------
    def lgsp_node_sources(self) -> list[str]:
        return [_cidr(node) for node in self.machines(MachineRole.lgsp_node)]

    def management_sources(self, machine: ServiceMachine) -> list[str]:
        """Where operators (and the controller) reach a machine from: the management zone, and in the
        lab the host's address on the machine's bridge."""
        zones = self.province.network.zones
        management = [str(zones["mgmt"].cidr)]
        if self.lab:
            management.append(f"{zones[machine.zone].gateway}/32")
        return management

    def docsystem_clients(self, machine: ServiceMachine) -> list[str]:
        """Who may reach the document system: the LGSP nodes (agencies come through them, with their
        certificate, allow-list, consumer list, rate limit and audit log) and management."""
        return [*self.lgsp_node_sources(), *self.management_sources(machine)]

    def service_rules(self, machine: ServiceMachine) -> list[HostVars]:
        """What the machine's service must accept, and from where (the catalogue's network plan): the
        LGSP node from the app zone and the tenants' egress; the document system from the LGSP node
        and management only (agencies come through the node); its database only from the document
        system's application; the national peer only from the provincial LGSP nodes; VRRP between the
        machines of a pair that carries a virtual IP."""
        network = self.province.network
        tenant_egress = [str(cidr) for cidr in network.tenant_egress]
        lgsp_nodes = self.lgsp_node_sources()
        rules = {
            MachineRole.lgsp_node: [
                ("LGSP gateway (HTTPS) from the app zone and tenant egress", LGSP_PORT,
                 [str(network.zones["app"].cidr), *tenant_egress]),
            ],
            MachineRole.docsystem_db: [
                ("PostgreSQL from the document system's application", POSTGRESQL_PORT,
                 [_cidr(app) for app in self.machines(MachineRole.docsystem_app)]),
            ],
            MachineRole.docsystem_app: [
                ("document system (HTTPS) from the LGSP node and management", DOCSYSTEM_PORT,
                 self.docsystem_clients(machine)),
            ],
            MachineRole.national_peer: [
                ("national platform (HTTPS) from the provincial LGSP nodes", lgsp_routes.national_port(self.province),
                 lgsp_nodes),
            ],
            MachineRole.backup: [],
        }  # fmt: skip
        return (
            [
                {"name": name, "protocol": "tcp", "port": port, "sources": sources}
                for name, port, sources in rules[machine.role]
            ]
            + keepalived_inputs.firewall_rules(self.province, machine)
            + self.replicated_database.firewall_rules(machine)
            + self.shared_documents.firewall_rules(machine)
            + exchange_inputs.firewall_rules(self.axis, machine)
        )

    def common(self, machine: ServiceMachine) -> HostVars:
        province = self.province
        zones = province.network.zones
        own_names = {str(machine.ip), machine.name, province.machine_fqdn(machine)}
        management = self.management_sources(machine)
        return {
            "common_operators": [operator.model_dump(mode="json") for operator in province.operators],
            "common_firewall_management_sources": management,
            "common_firewall_service_rules": self.service_rules(machine),
            "common_time_sources": [source for source in province.time_sources if source not in own_names],
            "common_time_server": bool(own_names & set(province.time_sources)),
            "common_time_clients": [str(zone.cidr) for zone in zones.values()],
            "common_journald_retention_days": province.security_controls.log_retention_days[
                province.machine_level(machine)
            ],
            "common_apt_proxy": province.platform.apt_proxy or "",
        }

    # --- pki: certificates of every machine, and the consumers' ----------------------------------
    def pki(self, machine: ServiceMachine) -> HostVars:
        province = self.province
        return {
            "pki_ca_dir": str(self.paths.pki),
            "pki_ca_common_name": f"{province.name} provincial CA ({province.org_code})",
            "pki_organization_name": province.name,
            "pki_server_names": province.machine_names(machine),
            "pki_server_addresses": list(dict.fromkeys(map(str, (machine.ip, province.service_address(machine))))),
            "pki_national_ca_enabled": self.lab,
            "pki_national_ca_dir": str(self.national_ca_dir()),
            "pki_national_ca_common_name": f"{province.national_platform.name} national CA (lab stand-in)",
            "pki_consumer_agencies": {
                slug: consumer["org_code"] for slug, consumer in lgsp_routes.consumers(province).items()
            },
            "pki_consumer_dir": str(self.paths.consumers),
        }

    # --- lgsp_node: the provincial node, or the lab's national peer ------------------------------
    def lgsp_node(self, machine: ServiceMachine) -> HostVars:
        province = self.province
        national_host, national_address = lgsp_routes.upstream_address(province, province.national_platform.endpoint)
        return {
            "lgsp_node_tier": "provincial",
            "lgsp_node_server_names": province.machine_names(machine),
            "lgsp_node_port": LGSP_PORT,
            "lgsp_node_tls_protocols": TLS_PROTOCOLS,
            "lgsp_node_tls_ciphers": TLS_CIPHERS,
            "lgsp_node_routes": lgsp_routes.routes(province),
            "lgsp_node_consumers": lgsp_routes.consumers(province),
            "lgsp_node_consumer_dir": str(self.paths.consumers),
            "lgsp_node_log_retention_days": province.security_controls.log_retention_days[
                province.machine_level(machine)
            ],
            "lgsp_node_shared_catalogue": lgsp_routes.shared_catalogue(province),
            "lgsp_node_national_name": province.national_platform.name,
            "lgsp_node_national_host": national_host,
            "lgsp_node_national_address": national_address,
        }

    def national_peer(self, machine: ServiceMachine) -> HostVars:
        province = self.province
        return {
            "lgsp_node_tier": "national",
            "lgsp_node_server_names": province.machine_names(machine),
            "lgsp_node_port": lgsp_routes.national_port(province),
            "lgsp_node_log_retention_days": province.security_controls.log_retention_days[
                province.machine_level(machine)
            ],
            "lgsp_node_national_name": province.national_platform.name,
            "lgsp_node_national_services": lgsp_routes.national_services(province),
        }

    # --- docsystem and its database --------------------------------------------------------------
    def docsystem(self, machine: ServiceMachine) -> HostVars:
        province = self.province
        database = self.docsystem_database()
        inputs: HostVars = {
            "docsystem_server_names": province.machine_names(machine),
            "docsystem_https_port": DOCSYSTEM_PORT,
            "docsystem_tls_protocols": TLS_PROTOCOLS,
            "docsystem_tls_ciphers": TLS_CIPHERS,
            "docsystem_storage_dir": DOCSYSTEM_STORAGE_DIR,
            "docsystem_user": DOCSYSTEM_USER,
            "docsystem_mail_domain": province.dns.domain,
            "docsystem_admin_password_file": str(self.paths.docsystem_admin_password),
            "docsystem_secret_key_file": str(self.paths.docsystem_secret_key),
            "docsystem_credentials_dir": str(self.paths.docsystem_agencies),
            "docsystem_record_file": str(self.paths.docsystem_record),
            "docsystem_upload_max_size": lgsp_routes.DOCSYSTEM_UPLOAD_MAX,
            # Defence in depth behind the firewall: nginx itself answers only the node and management.
            "docsystem_allowed_clients": self.docsystem_clients(machine),
            "docsystem_agencies": [
                {"slug": agency.slug, "name": agency.name, "org_code": agency.org_code}
                for agency in lgsp_routes.docsystem_agencies(province)
            ],
            # What the document exchange reads and writes in every agency's space (provcloud.exchange.mayan).
            "docsystem_exchange_cabinets": list(mayan.EXCHANGE_CABINETS),
            "docsystem_exchange_account": mayan.EXCHANGE_ACCOUNT,
            "docsystem_exchange_metadata_types": [
                {"name": name, "label": mayan.METADATA_LABELS[name]} for name in mayan.METADATA
            ],
        }
        if database is not None:
            inputs |= {
                "docsystem_database_host": database.host,
                "docsystem_database_port": database.port,
                "docsystem_database_name": database.name,
                "docsystem_database_user": database.user,
                "docsystem_database_password_file": str(database.password_file),
            }
        return inputs

    def postgresql(self, machine: ServiceMachine) -> HostVars:
        inputs: HostVars = {
            "postgresql_port": POSTGRESQL_PORT,
            "postgresql_listen_addresses": ["localhost", str(machine.ip)],
        }
        replicated = self.replicated_database
        users: list[HostVars] = []
        if replicated.replicated:
            # The standby streams, and a former primary rewinds, from the other database machines only.
            peers = [_cidr(server) for server in replicated.servers if server != machine]
            inputs["postgresql_manager"] = "patroni"
            users += [
                # Patroni asks its own server for the timeline over the socket (patroni role's
                # use_unix_socket_repl): a TCP connection to "localhost" fails the certificate check.
                {"name": database_ha_inputs.REPLICATION_USER, "databases": ["replication"], "sources": peers,
                 "password_file": str(self.paths.database_password(database_ha_inputs.REPLICATION_USER)),
                 "local_password": True},
                {"name": database_ha_inputs.REWIND_USER, "databases": ["postgres"], "sources": peers,
                 "password_file": str(self.paths.database_password(database_ha_inputs.REWIND_USER))},
            ]  # fmt: skip
            inputs["postgresql_dependent_users"] = users
        database = self.docsystem_database()
        if database is not None:
            applications = [_cidr(app) for app in self.machines(MachineRole.docsystem_app)]
            inputs |= {
                "postgresql_dependent_users": [
                    *users,
                    {
                        "name": database.user,
                        "databases": [database.name],
                        "sources": applications,
                        "password_file": str(database.password_file),
                        # A restore logs in as this role from the postgres account (backup role).
                        "local_system_users": [RESTORE_SYSTEM_USER] if self.first(MachineRole.backup) else [],
                    },
                ],
                "postgresql_dependent_databases": [{"name": database.name, "owner": database.user}],
            }
        return inputs

    # --- backup: the backup machine and the machines it pulls from -------------------------------
    def backup_sources(self) -> list[HostVars]:
        """The document system's database (a pg_dump) and documents (a tar of its media folder), each
        with the machines that hold it (`hosts`, their `addresses` in the same order): the backup
        takes it from the first that serves it — for a replicated database, whichever is the
        primary at the time (a standby refuses the dump); for shared documents, any application
        machine (they mount one volume)."""
        sources: list[HostVars] = []
        database = self.docsystem_database()
        servers = self.machines(MachineRole.docsystem_db)
        if database is not None and servers:
            sources.append(
                {"name": "docsystem-database", **_held_by(servers),
                 "kind": "postgresql", "database": database.name, "role": database.user}
            )  # fmt: skip
        if applications := self.machines(MachineRole.docsystem_app):
            # On a shared volume every application machine holds all the documents (`shared`): the
            # backup takes them from the first that answers, a restore unpacks them on one.
            sources.append(
                {"name": "docsystem-documents", **_held_by(applications),
                 "kind": "directory", "path": f"{DOCSYSTEM_STORAGE_DIR}/media", "owner": DOCSYSTEM_USER,
                 "shared": self.shared_documents.shared}
            )  # fmt: skip
        return sources

    def backup_retention_days(self) -> int:
        """The longest retention the security controls give the sources' machines' levels."""
        province = self.province
        by_name = {machine.name: machine for machine in province.service_machines}
        levels = [province.machine_level(by_name[host]) for source in self.backup_sources() for host in source["hosts"]]
        retention = province.security_controls.backup_retention_days
        return max((retention[level] for level in levels), default=retention[province.security_level])

    def backup_server(self, machine: ServiceMachine) -> HostVars:
        return {
            "backup_sources": self.backup_sources(),
            "backup_retention_days": self.backup_retention_days(),
            "backup_identity_file": str(self.paths.backup_identity),
            "backup_restore_dir": str(self.paths.backup_restore),
        }

    def backup_source(self) -> HostVars:
        server = self.first(MachineRole.backup)
        if server is None:
            return {}
        return {
            "backup_sources": self.backup_sources(),
            "backup_server": server.name,
            "backup_server_address": str(server.ip),
            "backup_identity_file": str(self.paths.backup_identity),
            "backup_restore_dir": str(self.paths.backup_restore),
        }
