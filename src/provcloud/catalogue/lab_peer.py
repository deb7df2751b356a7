"""Lab provinces that share one national peer: a small lab province names, in
`national_platform.lab_peer`, the lab province whose `national_peer` machine stands in for the
national platform, and the two labs exchange documents through it as two real provinces do
through the national platform (docs/lab.md).

One fact in one place: only the province that uses the peer says so; the peer's province finds the
provinces it serves by reading the catalogues beside it. Every consumer — the lab's host routes and
nftables rules, `/etc/hosts` of the machines, the national CA the nodes' certificates come from,
the national peer's routing table, the nodes' trust lists and firewalls — reads this group.
"""

from dataclasses import dataclass
from pathlib import Path

from provcloud.catalogue.problem import CatalogueError, LocatedProblem
from provcloud.catalogue.province import Province
from provcloud.catalogue.service_machine import MachineRole, ServiceMachine
from provcloud.catalogue.yaml_source import position

FIELD = ("national_platform", "lab_peer")


@dataclass(frozen=True)
class PeerGroup:
    """The provinces one lab national peer routes between."""

    peer: Province
    """The province whose `national_peer` machine serves the group."""
    members: tuple[Province, ...]
    """Every province the peer routes, the peer's own first, then by slug."""

    @property
    def machine(self) -> ServiceMachine:
        return self.peer.machines_with_role(MachineRole.national_peer)[0]

    def others(self, province: Province) -> tuple[Province, ...]:
        return tuple(member for member in self.members if member.slug != province.slug)


def peer_group(province: Province, file: Path) -> PeerGroup | None:
    """The group `province` (loaded from `file`) belongs to, or None when it neither uses another
    lab's peer nor has a peer other lab provinces use (then nothing crosses its lab). A bad
    `lab_peer` raises CatalogueError at that field."""
    from provcloud.catalogue.loader import load_province

    if province.national_platform.lab_peer:
        peer_file = file.parent / f"{province.national_platform.lab_peer}.yml"
        if not peer_file.is_file():
            raise _at(file, f"no lab province {province.national_platform.lab_peer!r} ({peer_file} does not exist)")
        peer = load_province(peer_file)
        reason = _why_not_a_peer(peer, province)
        if reason:
            raise _at(file, f"{peer_file}: {reason}")
        return _group(peer, peer_file)
    if not province.machines_with_role(MachineRole.national_peer):
        return None
    group = _group(province, file)
    return group if len(group.members) > 1 else None


def _group(peer: Province, peer_file: Path) -> PeerGroup:
    from provcloud.catalogue.loader import load_province

    members = [peer]
    for candidate in sorted(peer_file.parent.glob("*.yml")):
        if candidate == peer_file or "lab_peer:" not in candidate.read_text(encoding="utf-8"):
            continue  # most catalogues never name a peer: only those are loaded
        member = load_province(candidate)
        if member.national_platform.lab_peer != peer.slug:
            continue
        taken = {other.level1_code: other.slug for other in members}
        if member.level1_code in taken:
            raise _at(
                candidate,
                f"province code {member.level1_code} is {taken[member.level1_code]}'s too: "
                "the national peer routes by it, so provinces sharing a peer have distinct codes",
            )
        members.append(member)
    return PeerGroup(peer=peer, members=tuple(members))


def _why_not_a_peer(peer: Province, user: Province) -> str | None:
    if not peer.lab:
        return "not a lab province (`lab: true`)"
    if not peer.machines_with_role(MachineRole.national_peer):
        return "declares no national_peer machine to share"
    if peer.national_platform.endpoint != user.national_platform.endpoint:
        return (
            f"its national peer answers {peer.national_platform.endpoint}, "
            f"this province's national_platform.endpoint is {user.national_platform.endpoint}"
        )
    return None


def _at(file: Path, message: str) -> CatalogueError:
    from provcloud.catalogue.loader import _parse

    _, root = _parse(file, None)
    path, line, column = position(root, FIELD, at_key=False) if root is not None else (FIELD, 1, 1)
    return CatalogueError([LocatedProblem(file, line, column, path, message)])
