"""A hosted province (the rented model) is a tenant of its provider's cluster: its stack declares
nothing cluster-scoped but its own namespaces. The guardrails, VM sizes and limits are the provider's
(stacks/provider/), and the province's credential could not create them anyway — a plan that tries
fails at `pulumi up`, half applied."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyConfigSchema, PolicyResource

from provcloud.platform import labels
from provcloud_policies._resources import display, is_kubernetes, kind_of, meta
from provcloud_policies._stack import Finding, stack_policy


def hosted_namespaces_only(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    provider, province = config.get("hostedBy") or "", config.get("province") or ""
    if not provider:
        return  # a province on its own cluster is its cluster's admin
    for resource in resources:
        if not is_kubernetes(resource.resource_type):
            continue
        m = meta(resource.props)
        what = display(resource.resource_type, resource.props)
        if m.get("namespace"):
            continue
        if kind_of(resource.resource_type) != "Namespace":
            yield (
                f"{what} is cluster-scoped: province {province} is hosted by provider {provider}, whose stack "
                f"(stacks/provider/, providers/{provider}.yml) declares the cluster's objects; remove it from "
                "the province's stack or ask the provider to add it",
                resource.urn,
            )
            continue
        name, owner = str(m.get("name", "")), (m.get("labels") or {}).get(labels.PROVINCE)
        if owner != province or not name.startswith(f"{province}-"):
            yield (
                f"{what}: a namespace of hosted province {province} is named {province}-<name> and labelled "
                f"{labels.PROVINCE}: {province} (the provider's guardrails admit no other)",
                resource.urn,
            )


POLICIES = [
    stack_policy(
        "hosted_namespaces_only",
        "A hosted province's stack declares nothing cluster-scoped but its own, labelled namespaces.",
        hosted_namespaces_only,
        benchmark=False,
        config_schema=PolicyConfigSchema(
            properties={
                "hostedBy": {"type": "string", "default": ""},
                "province": {"type": "string", "default": ""},
            }
        ),
    ),
]
