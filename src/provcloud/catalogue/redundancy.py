"""Redundancy of the common services: which roles must run as a redundant pair and from which
security level, the virtual IP a pair answers on, and the waiver a province declares when it cannot
(yet) run a pair."""

from datetime import date
from ipaddress import IPv4Address
from typing import Annotated

from pydantic import Field

from provcloud.catalogue.base import PLAIN_TEXT_PATTERN, CatalogueModel, NameText
from provcloud.catalogue.service_machine import MachineRole

REDUNDANT_ROLES = (MachineRole.lgsp_node, MachineRole.docsystem_app, MachineRole.docsystem_db)
"""The common services every agency depends on: losing one machine of them stops the province.
Backups and the lab's national stand-in serve no agency traffic."""

REDUNDANCY_LEVEL = 4
"""Circular 12/2022/TT-BTTTT asks systems of security level 4 and up to be designed for availability:
from this level a common service runs on `REDUNDANT_MACHINES` machines or declares a waiver."""

REDUNDANT_MACHINES = 2

WaiverReason = Annotated[str, Field(min_length=20, max_length=500, pattern=PLAIN_TEXT_PATTERN)]


class VirtualIp(CatalogueModel):
    """The one address a redundant service answers on: keepalived (VRRP) keeps it on a healthy
    machine of the role and moves it within seconds when that machine or its service dies."""

    ip: IPv4Address
    """A free host address of the zone the role's machines sit in (all of them in one zone)."""
    virtual_router_id: int | None = Field(default=None, ge=1, le=255)
    """The VRRP virtual router id, unique in the zone. Default: the role's own id, the same in every
    province (lgsp_node 10, docsystem_app 11, docsystem_db 12), so pairs never share one; declare
    another when the zone's routers already use it (ask the network team: they often run VRRP on the
    same VLAN)."""


DEFAULT_VIRTUAL_ROUTER_IDS = {role: 10 + place for place, role in enumerate(REDUNDANT_ROLES)}
"""Each redundant role's VRRP id when the catalogue declares none: fixed per role, not counted from
the file's order, so editing the file never renumbers a running pair."""


def virtual_router_id(role: MachineRole, virtual_ip: VirtualIp) -> int:
    """The pair's VRRP id: the declared one, or its role's default (a role that takes no virtual IP,
    refused by the catalogue rules, gets 0)."""
    return virtual_ip.virtual_router_id or DEFAULT_VIRTUAL_ROUTER_IDS.get(role, 0)


class RedundancyWaiver(CatalogueModel):
    """A documented exception: the role runs on fewer machines than its security level asks, for a
    stated reason, accepted by a named person, until a date after which the catalogue is refused
    again (so a waiver is revisited, not forgotten)."""

    reason: WaiverReason
    """Why the role runs on one machine, e.g. `second node budgeted for 2027`."""
    approved_by: NameText
    """Who accepted the risk, with their office, e.g. `Nguyễn Văn A, Director of the Department of
    Science and Technology`."""
    until: date
    """The last day the waiver holds (`YYYY-MM-DD`); from the day after, `provcloud validate` refuses
    the catalogue until the second machine runs or the waiver is renewed."""
