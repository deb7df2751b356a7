"""Reading declared Kubernetes objects as the policies see them (pulumi_kubernetes inputs, which are
the manifests' own camelCase fields)."""

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyComplianceFramework, PolicyResource

from provcloud.platform import labels

MTB = "Kubernetes Multi-Tenancy Benchmark"
MTB_URL = "https://github.com/kubernetes-sigs/multi-tenancy/tree/master/benchmarks/kubectl-mtb/test/benchmarks"

# Where the pod spec sits in each workload kind.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "PodTemplate": ("template", "spec"),
}


def framework(benchmark_id: str) -> PolicyComplianceFramework:
    return PolicyComplianceFramework(name=MTB, version="kubectl-mtb", reference=benchmark_id)


def kind_of(resource_type: str) -> str:
    """`kubernetes:core/v1:Pod` → `Pod`."""
    return resource_type.rsplit(":", 1)[-1]


def is_kubernetes(resource_type: str) -> bool:
    return resource_type.startswith("kubernetes:") and not resource_type.startswith("pulumi:providers:")


def meta(props: Mapping[str, Any]) -> Mapping[str, Any]:
    value = props.get("metadata")
    return value if isinstance(value, Mapping) else {}


def display(resource_type: str, props: Mapping[str, Any]) -> str:
    """How a message names an object: `NetworkPolicy demo-so-khcn/default-deny`."""
    m = meta(props)
    name = f"{m['namespace']}/{m.get('name', '?')}" if m.get("namespace") else str(m.get("name", "?"))
    return f"{kind_of(resource_type)} {name}"


def pod_spec(resource_type: str, props: Mapping[str, Any]) -> Mapping[str, Any] | None:
    path = POD_SPEC_PATHS.get(kind_of(resource_type))
    if path is None:
        return None
    node: Any = props
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else None


def containers(spec: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(field) or []:
            if isinstance(container, Mapping):
                yield container


def is_tenant_namespace(resource: PolicyResource) -> bool:
    return (
        kind_of(resource.resource_type) == "Namespace"
        and meta(resource.props).get("labels", {}).get(labels.TENANT) == "true"
    )


def tenant_namespaces(resources: Iterable[PolicyResource]) -> dict[str, PolicyResource]:
    return {str(meta(r.props).get("name")): r for r in resources if is_tenant_namespace(r)}


def in_namespace(resources: Iterable[PolicyResource], kind: str) -> dict[str, list[PolicyResource]]:
    """Objects of one kind, by namespace."""
    found: dict[str, list[PolicyResource]] = {}
    for resource in resources:
        if is_kubernetes(resource.resource_type) and kind_of(resource.resource_type) == kind:
            found.setdefault(str(meta(resource.props).get("namespace", "")), []).append(resource)
    return found


def of_kind(resources: Iterable[PolicyResource], kind: str) -> list[PolicyResource]:
    return [r for r in resources if is_kubernetes(r.resource_type) and kind_of(r.resource_type) == kind]
