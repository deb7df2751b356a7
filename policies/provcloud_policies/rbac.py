"""RBAC: tenants act only inside their namespace, with the built-in roles, and cannot grant more."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from provcloud.platform.hosted_roles import PLATFORM_TEAM_ROLE
from provcloud_policies._resources import MTB_URL, display, framework, kind_of, meta, of_kind, tenant_namespaces
from provcloud_policies._stack import Finding, stack_policy

TENANT_CLUSTER_ROLES = ("admin", "edit", "view")
"""The built-in aggregated roles a tenant may be bound to inside its namespace."""
ESCALATING_VERBS = {"escalate", "bind", "impersonate", "*"}
BINDABLE = (PLATFORM_TEAM_ROLE, *TENANT_CLUSTER_ROLES)
"""Roles a `bind` limited by resourceNames may name: a hosted province's platform team hands out the
provider's role for itself and the tenants' roles, and nothing else (stacks/provider/)."""


def _subject_key(subject: Mapping[str, Any]) -> tuple[str, str, str]:
    return str(subject.get("kind")), str(subject.get("name")), str(subject.get("namespace", ""))


def tenant_subjects(resources: list[PolicyResource]) -> dict[tuple[str, str, str], str]:
    """Every subject bound inside a tenant namespace → that namespace."""
    tenants = tenant_namespaces(resources)
    subjects: dict[tuple[str, str, str], str] = {}
    for binding in of_kind(resources, "RoleBinding"):
        namespace = str(meta(binding.props).get("namespace"))
        if namespace in tenants:
            for subject in binding.props.get("subjects") or []:
                subjects[_subject_key(subject)] = namespace
    return subjects


def block_access_to_cluster_resources(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    subjects = tenant_subjects(resources)
    tenants = tenant_namespaces(resources)
    for binding in of_kind(resources, "ClusterRoleBinding"):
        for subject in binding.props.get("subjects") or []:
            namespace = subjects.get(_subject_key(subject))
            in_tenant = subject.get("kind") == "ServiceAccount" and subject.get("namespace") in tenants
            if namespace or in_tenant:
                yield (
                    f"{display(binding.resource_type, binding.props)} grants cluster-wide access to "
                    f"{subject.get('kind')} {subject.get('name')}, a subject of tenant "
                    f"{namespace or subject.get('namespace')}: "
                    "tenants get RoleBindings in their own namespace only",
                    binding.urn,
                )
    for binding in of_kind(resources, "RoleBinding"):
        if meta(binding.props).get("namespace") not in tenants:
            continue
        role = binding.props.get("roleRef") or {}
        # The provider's role for a hosted province's platform team (not a tenant) is bound in every
        # namespace of the province.
        if role.get("kind") == "ClusterRole" and role.get("name") not in BINDABLE:
            yield (
                f"{display(binding.resource_type, binding.props)} binds ClusterRole {role.get('name')}: "
                f"tenants get only {', '.join(TENANT_CLUSTER_ROLES)}",
                binding.urn,
            )


def _escalating_rules(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if kind_of(args.resource_type) not in ("Role", "ClusterRole"):
        return
    for rule in args.props.get("rules") or []:
        verbs = set(rule.get("verbs") or []) & ESCALATING_VERBS
        groups = rule.get("apiGroups") or []
        names = set(rule.get("resourceNames") or [])
        if (
            verbs == {"bind"}
            and set(rule.get("resources") or []) <= {"clusterroles"}
            and names
            and names <= set(BINDABLE)
        ):
            continue  # bind limited to named roles the holder may hand out
        if verbs and ("rbac.authorization.k8s.io" in groups or "*" in groups or ("" in groups and "*" in verbs)):
            report_violation(
                f"{display(args.resource_type, args.props)} allows {', '.join(sorted(verbs))}: a holder could grant "
                "itself more than it has; list the verbs it needs (get, list, watch, create, update, delete)",
                None,
            )


POLICIES = [
    stack_policy(
        "block_access_to_cluster_resources",
        "Tenant subjects have no cluster-wide bindings, and inside their namespace only admin/edit/view.",
        block_access_to_cluster_resources,
    ),
    ResourceValidationPolicy(
        name="block_role_privilege_escalation",
        description="Roles cannot escalate, bind or impersonate.",
        validate=_escalating_rules,
        enforcement_level=EnforcementLevel.MANDATORY,
        framework=framework("block_role_privilege_escalation"),
        url=f"{MTB_URL}/block_role_privilege_escalation",
    ),
]
