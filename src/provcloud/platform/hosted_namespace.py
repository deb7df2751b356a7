"""What each namespace of a hosted province carries besides its own objects: its platform team's
RoleBinding (the provider's role, which lets the team manage what is inside) and the quota of its
share of the allotment, both read from the provider (hosted_roles, provider_offer)."""

from typing import Any

from provcloud.catalogue import Province
from provcloud.catalogue.platform import CLUSTER_ADMIN_GROUPS
from provcloud.platform.hosted_roles import ALLOTMENT_QUOTA, PLATFORM_TEAM_BINDING, PLATFORM_TEAM_ROLE
from provcloud.platform.objects import Manifest, metadata

RBAC = "rbac.authorization.k8s.io"


def team_binding(province: Province, namespace: str) -> Manifest:
    """Declared right after the namespace: until it exists, the team can do nothing inside."""
    groups = [group for group in province.platform.platform_groups if group not in CLUSTER_ADMIN_GROUPS]
    return {
        "apiVersion": f"{RBAC}/v1",
        "kind": "RoleBinding",
        "metadata": metadata(PLATFORM_TEAM_BINDING, namespace),
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": PLATFORM_TEAM_ROLE},
        "subjects": [{"apiGroup": RBAC, "kind": "Group", "name": group} for group in groups],
    }


def allotment_quota(namespace: str, hard: Any) -> Manifest:
    """`hard`: the provider's `allotments.<province>.namespaceQuota` (an Output in the program)."""
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": metadata(ALLOTMENT_QUOTA, namespace),
        "spec": {"hard": hard},
    }


def hosted_objects(province: Province, namespace: str, quota: Any) -> list[Manifest]:
    """The team's binding, then (when the provider's offer is at hand) the allotment quota; nothing on
    a province's own cluster."""
    if province.hosting is None:
        return []
    return [team_binding(province, namespace), *([allotment_quota(namespace, quota)] if quota is not None else [])]


def prerequisites(province: Province) -> int:
    """How many of a namespace's first objects the others wait for: the namespace, and on a provider's
    cluster the team's binding, without which the team may not create them."""
    return 2 if province.hosting is not None else 1
