"""AgencyTenant: one agency's namespace with its guardrails, from native Kubernetes objects only."""

from typing import Any

import pulumi

from provcloud.catalogue import Agency, MachineRole, Province
from provcloud.catalogue.quota_tier import QuotaTier
from provcloud.platform import labels
from provcloud.platform.hosted_namespace import hosted_objects, prerequisites
from provcloud.platform.network_policies import namespace_peer, namespace_policies
from provcloud.platform.objects import Manifest, declare_all, metadata
from provcloud.platform.pod_security import RESTRICTED, pod_security_labels
from provcloud.service_ports import LGSP_PORT

VIRTUAL_MACHINES_QUOTA = "count/virtualmachines.kubevirt.io"


def allowed_storage_classes(province: Province, agency: Agency) -> list[str]:
    return [
        storage_class.name
        for storage_class in province.platform.storage_classes
        if storage_class.tiers is None
        or agency.tier in storage_class.tiers
        or agency.slug in (storage_class.agencies or [])
    ]


def log_retention_days(province: Province, agency: Agency) -> int:
    """How long the namespace keeps security logs: as long as its most demanding system needs (each
    system: its own `log_retention_days`, else its level's minimum)."""
    minimum = province.security_controls.log_retention_days
    if not agency.systems:
        return minimum[province.level_of(agency)]
    return max(system.log_retention_days or minimum[system.security_level] for system in agency.systems)


def system_log_retention(province: Province, agency: Agency) -> str:
    """Each system's level and retention as `level:days,...` (empty: the agency declares no system)."""
    minimum = province.security_controls.log_retention_days
    return ",".join(
        f"{system.security_level}:{system.log_retention_days or minimum[system.security_level]}"
        for system in agency.systems
    )


def tenant_labels(province: Province, agency: Agency) -> dict[str, str]:
    return {
        labels.PROVINCE: province.slug,
        labels.TENANT: "true",
        labels.AGENCY: agency.slug,
        labels.ORG_CODE: agency.org_code,
        labels.KIND: agency.kind.value,
        labels.SECURITY_LEVEL: str(province.level_of(agency)),
        labels.TIER: agency.tier,
    }


def resource_quota(province: Province, agency: Agency, namespace: str, tier: QuotaTier) -> Manifest:
    hard: dict[str, Any] = {
        "requests.cpu": tier.cpu,
        "requests.memory": tier.memory,
        "limits.cpu": tier.cpu_limit or tier.cpu,
        "limits.memory": tier.memory_limit or tier.memory,
        "requests.storage": tier.storage,
        "persistentvolumeclaims": str(tier.persistent_volume_claims),
        "pods": str(tier.pods),
        "services": str(tier.services),
        "services.nodeports": "0",
        "services.loadbalancers": "0",
        "configmaps": str(tier.configmaps),
        "secrets": str(tier.secrets),
        VIRTUAL_MACHINES_QUOTA: str(tier.vms),
    }
    allowed = allowed_storage_classes(province, agency)
    for storage_class in province.platform.storage_classes:
        prefix = f"{storage_class.name}.storageclass.storage.k8s.io"
        if storage_class.name in allowed:
            hard[f"{prefix}/requests.storage"] = tier.storage
        else:
            hard[f"{prefix}/requests.storage"] = "0"
            hard[f"{prefix}/persistentvolumeclaims"] = "0"
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": metadata("tenant-quota", namespace),
        "spec": {"hard": hard},
    }


def limit_range(namespace: str, tier: QuotaTier) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": metadata("tenant-defaults", namespace),
        "spec": {
            "limits": [
                {
                    "type": "Container",
                    "defaultRequest": {"cpu": tier.default_request.cpu, "memory": tier.default_request.memory},
                    "default": {"cpu": tier.default_limit.cpu, "memory": tier.default_limit.memory},
                }
            ]
        },
    }


def tenant_network_policies(province: Province, namespace: str) -> list[Manifest]:
    """In: the namespace itself and the ingress controller. Out: DNS, the namespace itself, and the
    LGSP node's gateway (its virtual IP when the pair declares one) — never another tenant."""
    lgsp_nodes = province.service_addresses(MachineRole.lgsp_node)
    egress = [
        {
            "to": [{"ipBlock": {"cidr": f"{address}/32"}} for address in lgsp_nodes],
            "ports": [{"protocol": "TCP", "port": LGSP_PORT}],
        }
    ]
    return namespace_policies(
        province,
        namespace,
        ingress=[{"from": [namespace_peer(province.platform.ingress_namespace)]}],
        egress=egress if lgsp_nodes else [],
    )


def role_bindings(province: Province, agency: Agency, namespace: str) -> list[Manifest]:
    prefix = province.platform.oidc.groups_prefix
    bindings = []
    for name, cluster_role, groups in (
        ("admins", "admin", agency.owners.admin),
        ("viewers", "view", agency.owners.viewer),
    ):
        if not groups:
            continue
        bindings.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": metadata(f"tenant-{name}", namespace),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_role},
                "subjects": [
                    {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": f"{prefix}{group}"}
                    for group in groups
                ],
            }
        )
    return bindings


def tenant_objects(province: Province, agency: Agency, allotment_quota: Any = None) -> list[Manifest]:
    """Every object of one agency's tenant, in the order they are applied. On a provider's cluster
    also its platform team's binding and `allotment_quota` (hosted_namespace)."""
    namespace = province.namespace_of(agency)
    tier = province.quota_tiers[agency.tier]
    annotations = {
        labels.NAME: agency.name,
        labels.LOG_RETENTION_DAYS: str(log_retention_days(province, agency)),
        labels.SYSTEM_LOG_RETENTION: system_log_retention(province, agency),
    }
    ns: Manifest = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": metadata(
            namespace,
            labels={**tenant_labels(province, agency), **pod_security_labels(province, RESTRICTED)},
            annotations=annotations,
        ),
    }
    managed = [
        *hosted_objects(province, namespace, allotment_quota),
        resource_quota(province, agency, namespace, tier),
        limit_range(namespace, tier),
        *tenant_network_policies(province, namespace),
        *role_bindings(province, agency, namespace),
    ]
    for manifest in managed:
        manifest["metadata"].setdefault("labels", {})[labels.MANAGED_BY] = labels.MANAGED_BY_PROVCLOUD
    return [ns, *managed]


class AgencyTenant(pulumi.ComponentResource):
    """An agency's tenant: namespace, Pod Security labels, quota, limit range, network policies and
    RBAC for its OIDC groups, all inside its own namespace."""

    TYPE = "provcloud:platform:AgencyTenant"

    def __init__(
        self,
        province: Province,
        agency: Agency,
        opts: pulumi.ResourceOptions | None = None,
        allotment_quota: Any = None,
    ) -> None:
        self.namespace = province.namespace_of(agency)
        super().__init__(self.TYPE, self.namespace, None, opts)
        self.manifests = tenant_objects(province, agency, allotment_quota)
        declare_all(self.manifests, pulumi.ResourceOptions(parent=self), prerequisites(province))
        self.register_outputs({"namespace": self.namespace})
