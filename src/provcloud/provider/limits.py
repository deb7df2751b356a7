"""Each hosted province's hierarchical limits: its namespaces are the ones its allotment admits, and
each carries a quota pinned to its share of the allotment. A ValidatingAdmissionPolicy sees one
request, never a count of existing namespaces: the count is held by admitting only the province's
declared namespaces, a list the provider's plan refuses when it is longer than the allotment."""

from provcloud.catalogue.platform import CLUSTER_ADMIN_GROUPS
from provcloud.catalogue.provider import Provider
from provcloud.platform import labels
from provcloud.platform.guardrails import API_VERSION, cel_list
from provcloud.platform.hosted_roles import ALLOTMENT_QUOTA
from provcloud.platform.objects import Manifest, metadata
from provcloud.provider.hosted import HostedProvince

ALL_OPERATIONS = ("CREATE", "UPDATE", "DELETE")


def not_the_provider(provider: Provider) -> list[Manifest]:
    """matchConditions: the request is not from the provider's admins or kube-system's controllers
    (the namespace controller empties a namespace being deleted)."""
    return [
        {
            "name": "not-the-provider",
            "expression": (
                f"!request.userInfo.groups.exists(g, g in {cel_list(CLUSTER_ADMIN_GROUPS)})"
                " && !request.userInfo.username.startsWith('system:serviceaccount:kube-system:')"
            ),
        }
    ]


def policy_pair(
    provider: Provider,
    name: str,
    resources: list[Manifest],
    spec: Manifest,
    selector: dict[str, str] | None = None,
) -> list[Manifest]:
    """A provider's policy and its binding (Deny), selecting namespaces by `selector` when given."""
    owner = {labels.PROVIDER: provider.slug}
    binding_spec: Manifest = {"policyName": name, "validationActions": ["Deny"]}
    if selector:
        binding_spec["matchResources"] = {"namespaceSelector": {"matchLabels": selector}}
    return [
        {
            "apiVersion": API_VERSION,
            "kind": "ValidatingAdmissionPolicy",
            "metadata": metadata(name, labels=owner),
            "spec": {"failurePolicy": "Fail", "matchConstraints": {"resourceRules": resources}, **spec},
        },
        {
            "apiVersion": API_VERSION,
            "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": metadata(name, labels=owner),
            "spec": binding_spec,
        },
    ]


def _rule(group: str, resource: str, operations: tuple[str, ...]) -> Manifest:
    return {"apiGroups": [group], "apiVersions": ["*"], "operations": list(operations), "resources": [resource]}


def namespace_allotment(provider: Provider, hosted: HostedProvince) -> list[Manifest]:
    """A namespace labelled with the province is admitted only if it is one of its allotted namespaces.
    For a Namespace, the binding's namespaceSelector matches the namespace's own labels."""
    where = f"providers/{provider.slug}.yml"
    return policy_pair(
        provider,
        f"provcloud-{hosted.slug}-namespaces",
        [_rule("", "namespaces", ("CREATE", "UPDATE"))],
        {
            "matchConditions": not_the_provider(provider),
            "validations": [
                {
                    "expression": f"object.metadata.name in {cel_list(hosted.namespaces)}",
                    "messageExpression": (
                        f"'Namespace ' + object.metadata.name + ' is beyond the allotment of province {hosted.slug}: "
                        f"{hosted.allotment.namespaces} namespaces ({where}), which admits "
                        f"{', '.join(hosted.namespaces)}; ask provider {provider.slug} for more'"
                    ),
                    "reason": "Forbidden",
                }
            ],
        },
        {labels.PROVINCE: hosted.slug},
    )


def quota_pin(provider: Provider, hosted: HostedProvince) -> list[Manifest]:
    """The quota `provider-allotment` of each of the province's namespaces holds exactly its share and is
    not deleted but by the provider."""
    share = hosted.namespace_share()
    # Compared as strings: the share is in the canonical form the API server serialises quantities in.
    pinned = " && ".join(
        f"'{key}' in object.spec.hard && object.spec.hard['{key}'] == '{value}'" for key, value in share.items()
    )
    shown = ", ".join(f"{key}: {value}" for key, value in share.items())
    return policy_pair(
        provider,
        f"provcloud-{hosted.slug}-allotment-quota",
        [_rule("", "resourcequotas", ALL_OPERATIONS)],
        {
            "matchConditions": not_the_provider(provider),
            "validations": [
                {
                    "expression": f"request.operation != 'DELETE' || oldObject.metadata.name != '{ALLOTMENT_QUOTA}'",
                    "messageExpression": (
                        f"'ResourceQuota {ALLOTMENT_QUOTA} holds the namespace to its share of the allotment of "
                        f"province {hosted.slug}: only provider {provider.slug} may delete it'"
                    ),
                    "reason": "Forbidden",
                },
                {
                    "expression": (
                        f"request.operation == 'DELETE' || object.metadata.name != '{ALLOTMENT_QUOTA}' || "
                        f"(has(object.spec.hard) && {pinned})"
                    ),
                    "messageExpression": (
                        f"'ResourceQuota {ALLOTMENT_QUOTA} of a namespace of province {hosted.slug} must be its share "
                        f"of the allotment ({shown}); read it from the provider stack output "
                        f"allotments.{hosted.slug}.namespaceQuota'"
                    ),
                    "reason": "Forbidden",
                },
            ],
        },
        {labels.PROVINCE: hosted.slug},
    )
