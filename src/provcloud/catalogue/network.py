"""The province's network: security zones with their address plan (the same plan in the lab)."""

from ipaddress import IPv4Address, IPv4Network
from typing import Annotated

from pydantic import Field

from provcloud.catalogue.base import CatalogueModel

REQUIRED_ZONES = ("dmz", "app", "data", "mgmt")

ZoneName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{0,7}$")]


class Zone(CatalogueModel):
    """A network security zone: one VLAN, one subnet."""

    cidr: IPv4Network
    """The zone's subnet, e.g. `198.18.1.0/24`."""
    gateway: IPv4Address
    """The zone's router address inside `cidr` (in the lab: the host's address on the bridge)."""
    vlan: int = Field(ge=1, le=4094)
    """The 802.1Q VLAN id the zone's bridge network is tagged with on the cluster."""
    bridge: str = Field(pattern=r"^[a-zA-Z0-9_.-]{1,15}$")
    """The Linux bridge carrying the zone on each node (and in the lab, on the host)."""


class Network(CatalogueModel):
    """The province's address plan."""

    zones: dict[ZoneName, Zone]
    """Security zones by name; at least `dmz`, `app`, `data` and `mgmt`."""
    tenant_egress: list[IPv4Network] = Field(default_factory=list)
    """Address ranges tenant workloads leave the cluster from (pod or egress-NAT ranges): the LGSP
    node accepts connections from them."""
