"""Every tenant of every province is isolated: default deny both ways, a quota, a limit range,
Pod Security labels pinned to the cluster version, RBAC only inside its own namespace."""

import pytest

from conftest import ROOT
from plan_helpers import objects, planned, province_slugs
from provcloud.catalogue import load_province

TENANTS = [
    (slug, agency.slug, f"{slug}-{agency.slug}")
    for slug in province_slugs()
    for agency in load_province(ROOT / "provinces" / f"{slug}.yml").agencies
]


@pytest.mark.parametrize(("slug", "agency", "namespace"), TENANTS)
def test_tenant_is_isolated(slug: str, agency: str, namespace: str) -> None:
    plan = planned(slug)
    (ns,) = [o for o in objects(plan, "Namespace") if o.name == namespace]
    ns_labels = ns.manifest["metadata"]["labels"]
    version = f"v{plan.kubernetes_version}"
    assert ns_labels["provcloud.vn/agency"] == agency
    assert ns_labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert ns_labels["pod-security.kubernetes.io/enforce-version"] == version
    assert ns_labels["pod-security.kubernetes.io/warn"] == ns_labels["pod-security.kubernetes.io/audit"] == "restricted"

    policies = {o.name: o.manifest["spec"] for o in objects(plan, "NetworkPolicy", namespace)}
    assert sorted(policies) == ["allow-egress", "allow-ingress", "default-deny"]
    assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}, "deny both ways"
    for rule in policies["allow-egress"]["egress"]:
        for peer in rule["to"]:
            if "namespaceSelector" in peer:
                assert [p["port"] for p in rule["ports"]] == [53, 53], "egress to a namespace only for DNS"
            cidr = peer.get("ipBlock", {}).get("cidr")
            assert cidr is None or cidr.endswith("/32"), "egress to single addresses (the LGSP nodes) only"
    ingress_from = [peer for rule in policies["allow-ingress"]["ingress"] for peer in rule["from"]]
    assert ingress_from == [
        {"podSelector": {}},
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}},
    ]

    (quota,) = [o for o in objects(plan, "ResourceQuota", namespace) if o.name == "tenant-quota"]
    hard = quota.manifest["spec"]["hard"]
    assert hard["services.nodeports"] == hard["services.loadbalancers"] == "0"
    for key in ("requests.cpu", "limits.memory", "pods", "count/virtualmachines.kubevirt.io", "requests.storage"):
        assert key in hard
    (limits,) = objects(plan, "LimitRange", namespace)
    assert limits.manifest["spec"]["limits"][0]["defaultRequest"]

    for binding in objects(plan, "RoleBinding"):
        if binding.namespace != namespace or binding.name == "platform-team":
            continue  # a hosted province's platform team: test_hosted_isolation
        assert binding.manifest["roleRef"]["name"] in ("admin", "view")
        assert all(s["kind"] == "Group" for s in binding.manifest["subjects"])
    assert not objects(plan, "ClusterRoleBinding"), "no tenant subject is ever bound cluster-wide"


@pytest.mark.parametrize("slug", province_slugs())
def test_tenant_rbac_binds_the_catalogue_groups_with_the_oidc_prefix(slug: str) -> None:
    province = load_province(ROOT / "provinces" / f"{slug}.yml")
    bound = {
        (o.namespace, o.manifest["roleRef"]["name"], s["name"])
        for o in objects(planned(slug), "RoleBinding")
        if o.name != "platform-team"  # a hosted province's platform team, in each of its namespaces
        for s in o.manifest["subjects"]
    }
    prefix = province.platform.oidc.groups_prefix
    expected = {
        (province.namespace_of(agency), role, f"{prefix}{group}")
        for agency in province.agencies
        for role, groups in (("admin", agency.owners.admin), ("view", agency.owners.viewer))
        for group in groups
    }
    assert bound == expected
