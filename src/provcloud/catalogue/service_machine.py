"""A service machine: a VM of a common service with its static address in a zone."""

from enum import StrEnum
from ipaddress import IPv4Address

from pydantic import Field

from provcloud.catalogue.base import CatalogueModel, DnsLabel, DnsName, SecurityLevel


class MachineRole(StrEnum):
    lgsp_node = "lgsp_node"
    """The province's data sharing gateway (LGSP, nền tảng chia sẻ, tích hợp dữ liệu)."""
    docsystem_app = "docsystem_app"
    """The document management system (QLVB&ĐH) application."""
    docsystem_db = "docsystem_db"
    """The document system's PostgreSQL database."""
    backup = "backup"
    """Backups of the common services."""
    national_peer = "national_peer"
    """Lab only: a stand-in for the national platform (NDXP)."""


class ServiceMachine(CatalogueModel):
    """A VM of a common service, with its static address in a zone."""

    name: DnsLabel
    """Host name, unique in the province, e.g. `lgsp-01`."""
    role: MachineRole
    zone: str
    """The zone it sits in (a key of `network.zones`)."""
    ip: IPv4Address
    """Static address inside the zone's CIDR."""
    size: DnsLabel
    """Instance type name from `platform.instance_types`."""
    security_level: SecurityLevel | None = None
    """Absent: the province's `security_level`."""
    aliases: list[DnsName] = Field(default_factory=list)
    """Extra DNS names it serves under (its certificate covers them)."""
