"""Every tenant namespace carries its guardrails: quotas (compute, storage, object counts, no
NodePorts), a limit range, and default-deny NetworkPolicies both ways; no tenant reaches another."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource

from provcloud_policies._resources import display, in_namespace, meta, of_kind, tenant_namespaces
from provcloud_policies._stack import Finding, stack_policy

COMPUTE_QUOTA = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "requests.storage")
OBJECT_QUOTA = ("pods", "services", "configmaps", "secrets", "persistentvolumeclaims")


def _hard(quota: PolicyResource) -> Mapping[str, Any]:
    return (quota.props.get("spec") or {}).get("hard") or {}


def _quota_keys(resources: list[PolicyResource], keys: tuple[str, ...], what: str) -> Iterator[Finding]:
    quotas = in_namespace(resources, "ResourceQuota")
    for namespace, ns in tenant_namespaces(resources).items():
        declared = set().union(*(_hard(q) for q in quotas.get(namespace, [])))
        missing = [key for key in keys if key not in declared]
        if not quotas.get(namespace):
            yield f"tenant namespace {namespace} has no ResourceQuota: add one from its quota tier", ns.urn
        elif missing:
            yield f"tenant namespace {namespace}: its ResourceQuota does not limit {what} {', '.join(missing)}", ns.urn


def configure_ns_quotas(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _quota_keys(resources, COMPUTE_QUOTA, "compute and storage:")


def configure_ns_object_quota(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _quota_keys(resources, OBJECT_QUOTA, "object counts:")


def block_use_of_nodeport_services(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    tenants = tenant_namespaces(resources)
    for service in of_kind(resources, "Service"):
        service_type = (service.props.get("spec") or {}).get("type")
        if meta(service.props).get("namespace") in tenants and service_type in ("NodePort", "LoadBalancer"):
            yield (
                f"{display(service.resource_type, service.props)} is of type {service_type}: tenants may not "
                "expose node ports; use type ClusterIP behind an Ingress",
                service.urn,
            )
    for namespace, quotas in in_namespace(resources, "ResourceQuota").items():
        if namespace not in tenants:
            continue
        for quota in quotas:
            hard = _hard(quota)
            for key in ("services.nodeports", "services.loadbalancers"):
                if str(hard.get(key, "")) != "0":
                    yield (
                        f"{display(quota.resource_type, quota.props)} allows {key} = {hard.get(key, 'unlimited')}: "
                        f"tenant quotas must set {key}: '0'",
                        quota.urn,
                    )


def _denies(policy: PolicyResource, direction: str) -> bool:
    """A NetworkPolicy that selects every pod and allows nothing in `direction`."""
    spec = policy.props.get("spec") or {}
    selects_all = not (spec.get("podSelector") or {}).get("matchLabels") and not (spec.get("podSelector") or {}).get(
        "matchExpressions"
    )
    rules = spec.get("ingress" if direction == "Ingress" else "egress")
    return selects_all and direction in (spec.get("policyTypes") or []) and not rules


def default_deny(policies: list[PolicyResource], direction: str) -> bool:
    return any(_denies(policy, direction) for policy in policies)


def create_network_policies(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    policies = in_namespace(resources, "NetworkPolicy")
    for namespace, ns in tenant_namespaces(resources).items():
        for direction in ("Ingress", "Egress"):
            if not default_deny(policies.get(namespace, []), direction):
                yield (
                    f"tenant namespace {namespace} has no default-deny {direction.lower()} NetworkPolicy: add one "
                    f"selecting every pod (podSelector: {{}}) with policyTypes [{direction}] and no rules",
                    ns.urn,
                )


def tenant_limit_range(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    ranges = in_namespace(resources, "LimitRange")
    for namespace, ns in tenant_namespaces(resources).items():
        has_defaults = any(
            limit.get("type") == "Container" and limit.get("default") and limit.get("defaultRequest")
            for limit_range in ranges.get(namespace, [])
            for limit in (limit_range.props.get("spec") or {}).get("limits") or []
        )
        if not has_defaults:
            yield (
                f"tenant namespace {namespace} has no LimitRange with container defaults: pods without requests "
                "could not schedule under its quota; add one from its quota tier",
                ns.urn,
            )


def _peers(rule: Mapping[str, Any], direction: str) -> list[Mapping[str, Any]]:
    return list(rule.get("from" if direction == "ingress" else "to") or [])


def block_other_tenant_resources(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    """No tenant NetworkPolicy opens a path to another tenant or to every namespace; no tenant
    RoleBinding names another tenant's service accounts."""
    tenants = tenant_namespaces(resources)
    for namespace, policies in in_namespace(resources, "NetworkPolicy").items():
        if namespace not in tenants:
            continue
        for policy in policies:
            spec = policy.props.get("spec") or {}
            for direction in ("ingress", "egress"):
                for rule in spec.get(direction) or []:
                    for peer in _peers(rule, direction):
                        selector = peer.get("namespaceSelector")
                        if selector is None:
                            continue
                        match = (selector.get("matchLabels") or {}) if isinstance(selector, Mapping) else {}
                        target = match.get("kubernetes.io/metadata.name")
                        if not match and not selector.get("matchExpressions"):
                            yield (
                                f"{display(policy.resource_type, policy.props)} opens {direction} to every namespace "
                                "(empty namespaceSelector): name the namespaces it needs",
                                policy.urn,
                            )
                        elif target in tenants and target != namespace:
                            yield (
                                f"{display(policy.resource_type, policy.props)} opens {direction} to tenant "
                                f"{target}: tenants talk to each other only through the LGSP node",
                                policy.urn,
                            )
    for binding in of_kind(resources, "RoleBinding"):
        bound_in = meta(binding.props).get("namespace")
        if bound_in not in tenants:
            continue
        for subject in binding.props.get("subjects") or []:
            other = subject.get("namespace")
            if subject.get("kind") == "ServiceAccount" and other in tenants and other != bound_in:
                yield (
                    f"{display(binding.resource_type, binding.props)} grants access to service account "
                    f"{other}/{subject.get('name')} of another tenant",
                    binding.urn,
                )


POLICIES = [
    stack_policy(
        "configure_ns_quotas",
        "Every tenant namespace has a ResourceQuota limiting CPU, memory and storage.",
        configure_ns_quotas,
    ),
    stack_policy(
        "configure_ns_object_quota",
        "Every tenant namespace has a ResourceQuota limiting object counts.",
        configure_ns_object_quota,
    ),
    stack_policy(
        "block_use_of_nodeport_services",
        "Tenants cannot expose NodePort or LoadBalancer Services; their quota allows none.",
        block_use_of_nodeport_services,
    ),
    stack_policy(
        "create_network_policies",
        "Every tenant namespace denies ingress and egress by default.",
        create_network_policies,
    ),
    stack_policy(
        "block_other_tenant_resources",
        "No tenant object opens access to another tenant.",
        block_other_tenant_resources,
    ),
    stack_policy(
        "tenant_limit_range",
        "Every tenant namespace has a LimitRange giving containers default requests and limits.",
        tenant_limit_range,
        benchmark=False,
    ),
]
