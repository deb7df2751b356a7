"""The province catalogue (`provinces/<slug>.yml`): the single source of truth of a province."""

from functools import cached_property
from ipaddress import IPv4Address

from pydantic import Field

from provcloud.catalogue.agency import Agency
from provcloud.catalogue.base import (
    CatalogueModel,
    DnsLabel,
    DnsName,
    HttpUrl,
    NameText,
    OrgCode,
    SecurityLevel,
)
from provcloud.catalogue.hosting import Hosting
from provcloud.catalogue.network import Network
from provcloud.catalogue.operator import Operator
from provcloud.catalogue.platform import Platform
from provcloud.catalogue.quota_tier import QuotaTier
from provcloud.catalogue.redundancy import RedundancyWaiver, VirtualIp
from provcloud.catalogue.security_controls import SecurityControls
from provcloud.catalogue.service_machine import MachineRole, ServiceMachine


class NationalPlatform(CatalogueModel):
    """The national data sharing platform (NDXP) the LGSP node connects to."""

    name: NameText = "NDXP"
    endpoint: HttpUrl
    """Base URL of the national peer, reached over mutual TLS from the LGSP node."""
    lab_peer: DnsLabel | None = None
    """Lab only: the lab province (same folder) whose `national_peer` machine stands in for the
    national platform here, so the two labs exchange documents through one peer (docs/lab.md)."""


class Dns(CatalogueModel):
    """The province's internal DNS."""

    domain: DnsName
    """The province's internal domain; service machines are `<name>.<domain>`."""
    servers: list[IPv4Address] = Field(min_length=1)
    """The province's own resolvers; machines never use public ones."""


class Province(CatalogueModel):
    """A province: its platform, address plan, service machines and agencies."""

    slug: DnsLabel
    """Short ASCII name; the file is `provinces/<slug>.yml` and the Pulumi stack is `<slug>`."""
    name: NameText
    """The Vietnamese name, with diacritics, e.g. `Thành phố Đà Nẵng`."""
    admin_unit_code: str = Field(pattern=r"^[0-9]{2}$")
    """2-digit administrative-unit code (Decision 19/2025), e.g. Đà Nẵng `48`."""
    org_code: OrgCode
    """The People's Committee's agency identifier code, e.g. `000.00.00.H49`."""
    security_level: SecurityLevel = 3
    """Default level for machines and tenants that declare none."""
    lab: bool = False
    """True for a province that exists only to run in the lab (may declare a `national_peer`)."""
    hosting: Hosting | None = None
    """A hosted province (the rented model): its provider; `platform` is then derived from the
    provider's cluster and must not be written in the file."""
    platform: Platform
    """The province's own cluster; for a hosted province, derived from its provider (not written)."""
    network: Network
    service_machines: list[ServiceMachine] = Field(min_length=1)
    virtual_ips: dict[MachineRole, VirtualIp] = Field(default_factory=dict)
    """The one address a redundant common service is to answer on, by role; required for a role with
    two machines or more, and checked with every other address of the plan. Consumers use it instead
    of the machines' own addresses; the keepalived role carries it (see docs/high-availability.md)."""
    redundancy_waivers: dict[MachineRole, RedundancyWaiver] = Field(default_factory=dict)
    """Roles allowed to run on fewer machines than their security level asks (level 4 and up: two),
    each with its documented reason."""
    national_platform: NationalPlatform
    time_sources: list[str] = Field(min_length=1)
    """The province's own NTP servers (addresses or names)."""
    dns: Dns
    operators: list[Operator] = Field(default_factory=list)
    """People who administer the service machines (accounts and SSH keys everywhere)."""
    quota_tiers: dict[DnsLabel, QuotaTier] = Field(min_length=1)
    security_controls: SecurityControls = SecurityControls()
    agencies: list[Agency] = Field(default_factory=list)

    @property
    def level1_code(self) -> str:
        """The last group of the org code (e.g. `H49`): every agency code of the province ends in it."""
        return self.org_code.rsplit(".", 1)[-1]

    @cached_property
    def agencies_by_slug(self) -> dict[str, Agency]:
        return {agency.slug: agency for agency in self.agencies}

    def namespace_of(self, agency: Agency) -> str:
        return f"{self.slug}-{agency.slug}"

    def level_of(self, agency: Agency) -> int:
        """The tenant's effective level: the highest of its systems (Decree 85/2016)."""
        return max((system.security_level for system in agency.systems), default=self.security_level)

    def machine_level(self, machine: ServiceMachine) -> int:
        return machine.security_level or self.security_level

    def machine_fqdn(self, machine: ServiceMachine) -> str:
        """The machine's name in the province's DNS: `<name>.<dns.domain>` (the one place of the rule)."""
        return f"{machine.name}.{self.dns.domain}"

    def machine_names(self, machine: ServiceMachine) -> list[str]:
        """Every DNS name the machine answers to: its FQDN first (the canonical one), then its aliases."""
        return [self.machine_fqdn(machine), *machine.aliases]

    def machines_with_role(self, role: MachineRole) -> list[ServiceMachine]:
        return [machine for machine in self.service_machines if machine.role is role]

    def machine_interface(self, machine: ServiceMachine) -> str:
        """The name of the machine's one network interface: its zone's (the network-config renames it)."""
        return machine.zone

    def service_address(self, machine: ServiceMachine) -> IPv4Address:
        """Where consumers reach the service the machine runs: its role's virtual IP when one is declared
        (keepalived keeps it on a healthy machine of the pair), else the machine's own address. The one
        rule for every consumer: the LGSP node's routes, the document database's clients, the tenants'
        egress, the certificates."""
        virtual_ip = self.virtual_ips.get(machine.role)
        return machine.ip if virtual_ip is None else virtual_ip.ip

    def service_addresses(self, role: MachineRole) -> list[IPv4Address]:
        """The addresses consumers reach a role's service at: its virtual IP alone, or each machine's."""
        return list(dict.fromkeys(self.service_address(machine) for machine in self.machines_with_role(role)))
