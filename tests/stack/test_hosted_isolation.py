"""Isolation between provinces hosted on one provider's cluster, judged on the planned objects: the
provider's admission policies (as the API server of the provider's version evaluates them), its RBAC,
and what each province's own stack declares. Province A is rented-alpha, B rented-beta."""

from functools import cache
from typing import Any

import pytest

from conftest import ROOT
from plan_helpers import objects, planned
from provcloud.catalogue.hosted import load_provider
from provcloud.cel.admission import AdmissionRequest, Decision, User, judge
from provcloud.plan.model import Plan, PlannedObject
from provcloud.plan.run import make_provider_plan
from provcloud.plan.stack_config import find_provider_stack

A, B = "rented-alpha", "rented-beta"
VERSION = "1.31"
PROVIDER = load_provider(ROOT / "providers" / "qtsc.yml").provider
TEAM = {slug: User(f"{slug}-deployer", (f"oidc:{slug}-platform", "system:authenticated")) for slug in (A, B)}


@cache
def provider() -> Plan:
    return make_provider_plan(find_provider_stack(ROOT, "qtsc"), ROOT / "policies")


def _pairs() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    policies = {o.name: o.manifest for o in objects(provider(), "ValidatingAdmissionPolicy")}
    return [(policies[b.name], b.manifest) for b in objects(provider(), "ValidatingAdmissionPolicyBinding")]


def admit(request: AdmissionRequest) -> list[Decision]:
    """Every provider policy's refusal of the request (empty: admitted)."""
    return [d for d in (judge(p, b, request, VERSION) for p, b in _pairs()) if not d.allowed]


def namespace(name: str, owner: str | None, **extra: str) -> dict[str, Any]:
    labels = {"provcloud.vn/province": owner, **extra} if owner else dict(extra)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def create_namespace(user: User, ns: dict[str, Any]) -> list[Decision]:
    return admit(AdmissionRequest("CREATE", ns, None, ns, user))


def in_namespace(user: User, operation: str, obj: dict[str, Any], ns: dict[str, Any]) -> list[Decision]:
    old = obj if operation != "CREATE" else None
    return admit(AdmissionRequest(operation, obj if operation != "DELETE" else None, old, ns, user))


def planned_namespace(slug: str, name: str) -> dict[str, Any]:
    (ns,) = [o for o in objects(planned(slug), "Namespace") if o.name == name]
    return ns.manifest


def test_each_team_creates_its_own_allotted_namespaces() -> None:
    for slug in (A, B):
        for ns in objects(planned(slug), "Namespace"):
            assert create_namespace(TEAM[slug], ns.manifest) == [], f"{ns.name} is refused to its own team"


def test_b_cannot_create_a_namespace_of_a() -> None:
    refusals = create_namespace(TEAM[B], planned_namespace(A, f"{A}-vp-ubnd"))
    assert any(f"the platform team of province {B} manages only namespaces labelled" in d.message for d in refusals)


def test_a_namespace_beyond_the_allotment_is_refused() -> None:
    (refusal,) = create_namespace(TEAM[B], namespace(f"{B}-extra", B))
    assert refusal.message.startswith(f"Namespace {B}-extra is beyond the allotment of province {B}: 6 namespaces")


def test_a_team_cannot_create_an_unlabelled_namespace_to_escape_its_allotment() -> None:
    refusals = create_namespace(TEAM[B], namespace("tools", None))
    assert any("(no province)" in d.message for d in refusals)


def test_b_cannot_relabel_a_namespace_of_a() -> None:
    old = planned_namespace(A, f"{A}-so-tp")
    new = namespace(f"{A}-so-tp", B)
    assert admit(AdmissionRequest("UPDATE", new, old, new, TEAM[B])), "B took over A's namespace by its label"


def _binding(namespace_name: str, role: str, group: str) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "grab", "namespace": namespace_name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": group}],
    }


def test_b_cannot_bind_itself_into_a_namespace_of_a() -> None:
    target = planned_namespace(A, f"{A}-vp-ubnd")
    grab = _binding(target["metadata"]["name"], "provcloud-hosted-platform-team", f"oidc:{B}-platform")
    assert in_namespace(TEAM[B], "CREATE", grab, target), "B's team bound itself in A's namespace"
    assert in_namespace(TEAM[A], "CREATE", grab, target) == [], "(A's team may bind in its own namespace)"


def test_b_binds_only_the_roles_it_hands_out() -> None:
    own = planned_namespace(B, f"{B}-so-tp")
    (refusal,) = in_namespace(TEAM[B], "CREATE", _binding(f"{B}-so-tp", "cluster-admin", f"oidc:{B}-platform"), own)
    assert "binds only the ClusterRoles provcloud-hosted-platform-team, admin, view" in refusal.message


def test_bs_cluster_wide_rights_hold_nothing_inside_a_namespace() -> None:
    """Outside the RoleBindings in its own namespaces, B's team may only write namespaces and role
    bindings (both held to its province by admission), bind the three roles, and read sizes and
    storage classes: it reads nothing of A."""
    roles = {o.name: o.manifest for o in objects(provider(), "ClusterRole")}
    (binding,) = [o for o in objects(provider(), "ClusterRoleBinding") if o.name == f"provcloud-{B}-platform-team"]
    assert [s["name"] for s in binding.manifest["subjects"]] == [f"oidc:{B}-platform"]
    rules = roles[binding.manifest["roleRef"]["name"]]["rules"]
    granted = {
        (group, resource, verb)
        for r in rules
        for group in r["apiGroups"]
        for resource in r["resources"]
        for verb in r["verbs"]
    }
    reads = {(g, res) for g, res, verb in granted if verb in ("get", "list", "watch")}
    assert reads == {
        ("", "namespaces"),
        ("instancetype.kubevirt.io", "virtualmachineclusterinstancetypes"),
        ("storage.k8s.io", "storageclasses"),
    }
    assert {res for _, res, _ in granted} == {
        "namespaces",
        "rolebindings",
        "clusterroles",
        "virtualmachineclusterinstancetypes",
        "storageclasses",
    }


def test_no_binding_of_a_names_a_subject_of_b() -> None:
    for slug, other in ((A, B), (B, A)):
        for binding in objects(planned(slug), "RoleBinding"):
            names = [s["name"] for s in binding.manifest["subjects"]]
            assert not any(other in name for name in names), f"{binding.display} binds {names}"
            assert binding.namespace and binding.namespace.startswith(f"{slug}-")


def _quota(slug: str, name: str) -> PlannedObject:
    (quota,) = [o for o in objects(planned(slug), "ResourceQuota", name) if o.name == "provider-allotment"]
    return quota


def test_every_namespace_counts_against_its_own_provinces_allotment_only() -> None:
    for slug in (A, B):
        share = provider().outputs["allotments"][slug]["namespaceQuota"]
        for ns in objects(planned(slug), "Namespace"):
            quota = _quota(slug, ns.name)
            assert quota.manifest["spec"]["hard"] == share
            assert in_namespace(TEAM[slug], "CREATE", quota.manifest, ns.manifest) == []


def test_a_team_cannot_raise_or_delete_its_allotment_quota() -> None:
    ns = planned_namespace(B, f"{B}-vp-ubnd")
    quota = _quota(B, f"{B}-vp-ubnd").manifest
    raised = {**quota, "spec": {"hard": {**quota["spec"]["hard"], "requests.cpu": "48"}}}
    (refusal,) = in_namespace(TEAM[B], "UPDATE", raised, ns)
    assert refusal.message.startswith(
        f"ResourceQuota provider-allotment of a namespace of province {B} must be its share"
    )
    (refusal,) = in_namespace(TEAM[B], "DELETE", quota, ns)
    assert "only provider qtsc may delete it" in refusal.message


def test_no_network_policy_of_a_opens_a_path_to_b() -> None:
    b_networks = PROVIDER.provinces[B].networks
    for policy in objects(planned(A), "NetworkPolicy"):
        spec = policy.manifest["spec"]
        for rule in [*spec.get("ingress", []), *spec.get("egress", [])]:
            for peer in [*rule.get("from", []), *rule.get("to", [])]:
                name = ((peer.get("namespaceSelector") or {}).get("matchLabels") or {}).get(
                    "kubernetes.io/metadata.name"
                )
                assert not (name or "").startswith(B), f"{policy.display} opens a path to {name}"
                cidr = (peer.get("ipBlock") or {}).get("cidr")
                if cidr and cidr != "0.0.0.0/0":
                    from ipaddress import IPv4Network

                    assert not any(IPv4Network(cidr).overlaps(n) for n in b_networks), (
                        f"{policy.display} reaches {cidr}"
                    )


@pytest.mark.parametrize("slug", [A, B])
def test_the_providers_guardrails_hold_both_provinces_tenants(slug: str) -> None:
    tenant = planned_namespace(slug, f"{slug}-so-tp")
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": f"{slug}-so-tp"},
        "spec": {"type": "NodePort", "ports": [{"port": 80}]},
    }
    tenant_user = User("someone", (f"oidc:{slug}-so-tp-admins",))
    refusals = in_namespace(tenant_user, "CREATE", service, tenant)
    assert [d.message for d in refusals] == [
        "Service web: type NodePort is not allowed for tenants; use type ClusterIP and publish it through an "
        "Ingress under your agency domain"
    ], "exactly the province's own no-node-ports guardrail refuses it"
