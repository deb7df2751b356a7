"""The third member a replicated store of two machines borrows: the province's first backup machine.

Two members lose their majority when either is down, three do not. The database's consensus store
(etcd) and the document system's shared volume (GlusterFS's arbiter brick) both borrow it, so losing
one machine of a pair leaves a majority in each; the catalogue refuses such a pair when the province
has no backup machine to lend (provcloud.catalogue.checks).
"""

from provcloud.catalogue.province import Province
from provcloud.catalogue.service_machine import MachineRole, ServiceMachine

REPLICATED_STORES = {
    MachineRole.docsystem_app: "the documents' shared volume (its arbiter brick)",
    MachineRole.docsystem_db: "the database's consensus store (etcd)",
}
"""The roles whose machines replicate a store that needs a majority, and what the third member holds."""
TIE_BREAKER_ROLE = MachineRole.backup


def needs_tie_breaker(role: MachineRole, machines: list[ServiceMachine]) -> bool:
    """etcd wants an odd number of members; GlusterFS's arbiter completes a pair only (`replica 3
    arbiter 1` is the one layout with an arbiter: three application machines or more replicate among
    themselves)."""
    if role is MachineRole.docsystem_app:
        return len(machines) == 2
    return len(machines) >= 2 and len(machines) % 2 == 0


def with_tie_breaker(province: Province, role: MachineRole, machines: list[ServiceMachine]) -> list[ServiceMachine]:
    """The machines, and the first backup machine when `needs_tie_breaker` (none for one machine:
    nothing is replicated)."""
    if not needs_tie_breaker(role, machines):
        return list(machines)
    return [*machines, *province.machines_with_role(TIE_BREAKER_ROLE)[:1]]
