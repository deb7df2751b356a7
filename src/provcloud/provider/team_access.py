"""What a hosted province's platform team may do on the provider's cluster, and nothing more.

RBAC grants the team, cluster-wide, only the writes its stack needs before it holds anything inside a
namespace: its namespaces, the RoleBindings in them, and `bind` on the three roles it hands out (its
own role inside each namespace, and the built-in admin and view its agencies get). Everything it
reads or runs inside a namespace comes from a RoleBinding there, so it reads nothing of another
province. Which namespaces those writes may touch, RBAC cannot say (a namespace is created before it
has labels to select): an admission policy per province refuses the team's writes to any namespace,
or any RoleBinding, not labelled with its province."""

from provcloud.catalogue.provider import Provider
from provcloud.platform import labels
from provcloud.platform.guardrails import cel_list
from provcloud.platform.hosted_roles import PLATFORM_TEAM_ROLE
from provcloud.platform.objects import Manifest, metadata
from provcloud.provider.hosted import HostedProvince
from provcloud.provider.limits import ALL_OPERATIONS, policy_pair

RBAC = "rbac.authorization.k8s.io"
NAMESPACES_ROLE = "provcloud-hosted-namespaces"
BOUND_ROLES = (PLATFORM_TEAM_ROLE, "admin", "view")
"""The ClusterRoles a hosted province's team may bind inside its namespaces."""
MANAGE = ["get", "list", "watch", "create", "update", "patch", "delete"]
READ = ["get", "list", "watch"]


def _rule(groups: list[str], resources: list[str], verbs: list[str], names: list[str] | None = None) -> Manifest:
    rule: Manifest = {"apiGroups": groups, "resources": resources, "verbs": verbs}
    if names:
        rule["resourceNames"] = names
    return rule


def cluster_roles(provider: Provider) -> list[Manifest]:
    owner = {labels.PROVIDER: provider.slug}
    return [
        {
            "apiVersion": f"{RBAC}/v1",
            "kind": "ClusterRole",
            "metadata": metadata(PLATFORM_TEAM_ROLE, labels=owner),
            "rules": [
                _rule(
                    [""],
                    ["resourcequotas", "limitranges", "services", "configmaps", "persistentvolumeclaims"],
                    MANAGE,
                ),
                _rule([""], ["pods", "pods/log", "events"], READ),
                _rule(["networking.k8s.io"], ["networkpolicies", "ingresses"], MANAGE),
                _rule([RBAC], ["rolebindings"], READ),
                _rule(["kubevirt.io"], ["virtualmachines"], MANAGE),
                _rule(["kubevirt.io"], ["virtualmachineinstances"], READ),
                _rule(["cdi.kubevirt.io"], ["datavolumes"], MANAGE),
                _rule(["k8s.cni.cncf.io"], ["network-attachment-definitions"], MANAGE),
            ],
        },
        {
            "apiVersion": f"{RBAC}/v1",
            "kind": "ClusterRole",
            "metadata": metadata(NAMESPACES_ROLE, labels=owner),
            "rules": [
                _rule([""], ["namespaces"], MANAGE),
                _rule([RBAC], ["rolebindings"], ["create", "update", "patch", "delete"]),
                _rule([RBAC], ["clusterroles"], ["bind"], list(BOUND_ROLES)),
                _rule(["instancetype.kubevirt.io"], ["virtualmachineclusterinstancetypes"], READ),
                _rule(["storage.k8s.io"], ["storageclasses"], READ),
            ],
        },
    ]


def team_binding(provider: Provider, hosted: HostedProvince) -> Manifest:
    return {
        "apiVersion": f"{RBAC}/v1",
        "kind": "ClusterRoleBinding",
        "metadata": metadata(
            f"provcloud-{hosted.slug}-platform-team",
            labels={labels.PROVIDER: provider.slug, labels.PROVINCE: hosted.slug},
        ),
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": NAMESPACES_ROLE},
        "subjects": [{"apiGroup": RBAC, "kind": "Group", "name": group} for group in hosted.team],
    }


_OWNER = "has({0}.metadata.labels) && '{1}' in {0}.metadata.labels ? {0}.metadata.labels['{1}'] : '(no province)'"


def team_scope(provider: Provider, hosted: HostedProvince) -> list[Manifest]:
    """The team's namespace and RoleBinding writes stay within namespaces labelled with its province."""
    province = hosted.slug
    return policy_pair(
        provider,
        f"provcloud-{province}-platform-team",
        [
            {"apiGroups": [""], "apiVersions": ["*"], "operations": list(ALL_OPERATIONS), "resources": ["namespaces"]},
            {
                "apiGroups": [RBAC],
                "apiVersions": ["*"],
                "operations": list(ALL_OPERATIONS),
                "resources": ["rolebindings"],
            },
        ],
        {
            "matchConditions": [
                {
                    "name": "from-the-platform-team",
                    "expression": f"request.userInfo.groups.exists(g, g in {cel_list(list(hosted.team))})",
                }
            ],
            "variables": [
                {
                    # The namespace the write lands in, as it is now and as it would become.
                    "name": "owners",
                    "expression": (
                        "request.resource.resource == 'namespaces' ? "
                        f"(object != null ? [{_OWNER.format('object', labels.PROVINCE)}] : [])"
                        f" + (oldObject != null ? [{_OWNER.format('oldObject', labels.PROVINCE)}] : [])"
                        f" : [{_OWNER.format('namespaceObject', labels.PROVINCE)}]"
                    ),
                },
            ],
            "validations": [
                {
                    "expression": f"variables.owners.all(o, o == '{province}')",
                    "messageExpression": (
                        f"'the platform team of province {province} manages only namespaces labelled "
                        f"{labels.PROVINCE}: {province}; ' + request.resource.resource + ' ' + request.name"
                        " + ' is in a namespace of ' + variables.owners.filter(o, o != '" + province + "').join(', ')"
                    ),
                    "reason": "Forbidden",
                },
                {
                    "expression": (
                        "request.resource.resource != 'rolebindings' || request.operation == 'DELETE' || "
                        "(object.roleRef.kind == 'ClusterRole'"
                        f" && object.roleRef.name in {cel_list(list(BOUND_ROLES))})"
                    ),
                    "messageExpression": (
                        "'RoleBinding ' + object.metadata.name + ': the platform team of province "
                        f"{province} binds only the ClusterRoles {', '.join(BOUND_ROLES)}'"
                    ),
                    "reason": "Forbidden",
                },
            ],
        },
    )
