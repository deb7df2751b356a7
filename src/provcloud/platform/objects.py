"""Kubernetes objects as plain manifests, and how the stack declares them with pulumi_kubernetes.

Every component builds its objects as manifests (the dicts `kubectl apply` would take), then
declares each one. The same manifests feed the benchmark's floor, which declares them without
components, so the component layer's overhead is measured on identical objects.
"""

import re
from collections.abc import Callable, Iterable
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

Manifest = dict[str, Any]


def metadata(name: str, namespace: str | None = None, labels: dict[str, str] | None = None, **extra: Any) -> Manifest:
    meta: Manifest = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = labels
    meta.update({key: value for key, value in extra.items() if value})
    return meta


def resource_name(manifest: Manifest) -> str:
    """The Pulumi resource name: `<namespace>/<name>`, or the name of a cluster-scoped object.

    Pulumi URNs carry the parent's type, not its name, so names must be unique stack-wide."""
    meta = manifest["metadata"]
    return f"{meta['namespace']}/{meta['name']}" if "namespace" in meta else str(meta["name"])


def _typed_kinds() -> dict[tuple[str, str], Callable[..., pulumi.CustomResource]]:
    return {
        ("v1", "Namespace"): k8s.core.v1.Namespace,
        ("v1", "ResourceQuota"): k8s.core.v1.ResourceQuota,
        ("v1", "LimitRange"): k8s.core.v1.LimitRange,
        ("networking.k8s.io/v1", "NetworkPolicy"): k8s.networking.v1.NetworkPolicy,
        ("rbac.authorization.k8s.io/v1", "RoleBinding"): k8s.rbac.v1.RoleBinding,
        ("rbac.authorization.k8s.io/v1", "ClusterRole"): k8s.rbac.v1.ClusterRole,
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): k8s.rbac.v1.ClusterRoleBinding,
        ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy"): (
            k8s.admissionregistration.v1.ValidatingAdmissionPolicy
        ),
        ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding"): (
            k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding
        ),
    }


_TYPED: dict[tuple[str, str], Callable[..., pulumi.CustomResource]] = {}
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def declare(manifest: Manifest, opts: pulumi.ResourceOptions | None = None) -> pulumi.CustomResource:
    """Declare one object: core kinds through their typed pulumi_kubernetes class, CRD kinds
    (KubeVirt, CDI, Multus) as `apiextensions.CustomResource`."""
    if not _TYPED:
        _TYPED.update(_typed_kinds())
    api_version, kind = manifest["apiVersion"], manifest["kind"]
    body = {_CAMEL.sub("_", key).lower(): value for key, value in manifest.items() if key not in ("apiVersion", "kind")}
    typed = _TYPED.get((api_version, kind))
    if typed is None:
        return k8s.apiextensions.CustomResource(
            resource_name(manifest), api_version=api_version, kind=kind, opts=opts, **body
        )
    return typed(resource_name(manifest), opts=opts, **body)


def declare_all(
    manifests: Iterable[Manifest], opts: pulumi.ResourceOptions | None = None, prerequisites: int = 1
) -> list[pulumi.CustomResource]:
    """Declare objects in order with `opts`; when the first is a Namespace, the others wait for it (and
    for the objects up to `prerequisites`, e.g. the RoleBinding that lets the stack's identity in)."""
    opts = opts or pulumi.ResourceOptions()
    declared: list[pulumi.CustomResource] = []
    namespace_first = False
    for manifest in manifests:
        declared.append(declare(manifest, opts))
        namespace_first = namespace_first or (len(declared) == 1 and manifest["kind"] == "Namespace")
        if namespace_first and len(declared) <= prerequisites:
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[declared[-1]]))
    return declared
