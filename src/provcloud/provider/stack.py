"""The provider stack program, run by `stacks/provider/__main__.py` under `pulumi up/preview` and by
`provcloud plan --provider` under the mock runtime."""

from collections import Counter
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from provcloud.catalogue import CatalogueError
from provcloud.catalogue.hosted import ProviderSource, load_provider
from provcloud.errors import UserError
from provcloud.platform import labels
from provcloud.platform.guardrails import declare_policies, guardrail_objects
from provcloud.platform.objects import Manifest
from provcloud.platform.province import instance_type_objects
from provcloud.provider.hosted import HostedProvince, hosted_provinces
from provcloud.provider.limits import namespace_allotment, quota_pin
from provcloud.provider.settings import ProviderSettings
from provcloud.provider.team_access import cluster_roles, team_binding, team_scope


def hosted_province_objects(source: ProviderSource, hosted: HostedProvince) -> list[Manifest]:
    """What the provider declares for one province: its tenants' guardrails, its limits, its team's scope."""
    provider = source.provider
    return [
        *guardrail_objects(hosted.province),
        *namespace_allotment(provider, hosted),
        *quota_pin(provider, hosted),
        team_binding(provider, hosted),
        *team_scope(provider, hosted),
    ]


def provider_outputs(source: ProviderSource, hosted: list[HostedProvince]) -> dict[str, Any]:
    """What hosted provinces read through their StackReference (provcloud.platform.provider_offer)."""
    cluster = source.provider.cluster
    return {
        "sizes": {
            name: {"cpu": size.cpu, "memory": size.memory} for name, size in sorted(cluster.instance_types.items())
        },
        "storageClasses": {c.name: {"maxVolume": c.max_volume} for c in cluster.storage_classes},
        "allotments": {
            entry.slug: {
                "cpu": entry.allotment.cpu,
                "memory": entry.allotment.memory,
                "storage": entry.allotment.storage,
                "vms": entry.allotment.vms,
                "namespaces": entry.allotment.namespaces,
                "admittedNamespaces": entry.namespaces,
                "namespaceQuota": entry.namespace_share(),
            }
            for entry in hosted
        },
    }


class ProviderPlatform(pulumi.ComponentResource):
    """The provider's cluster-scoped objects for every province it hosts."""

    TYPE = "provcloud:provider:ProviderPlatform"

    def __init__(self, source: ProviderSource, hosted: list[HostedProvince], opts: pulumi.ResourceOptions) -> None:
        super().__init__(self.TYPE, source.provider.slug, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        provider = source.provider
        shared = [
            *instance_type_objects(provider.cluster.instance_types, {labels.PROVIDER: provider.slug}),
            *cluster_roles(provider),
        ]
        manifests = [*shared, *(m for entry in hosted for m in hosted_province_objects(source, entry))]
        declare_policies(manifests, child)
        self.object_counts = dict(sorted(Counter(m["kind"] for m in manifests).items()))
        self.register_outputs({"objectCounts": self.object_counts})


def load_stack_provider(settings: ProviderSettings) -> tuple[ProviderSource, list[HostedProvince]]:
    if not settings.catalogue.is_file():
        raise UserError(
            f"the stack's catalogue {settings.catalogue} does not exist (config provcloud-provider:catalogue)"
        )
    try:
        source = load_provider(settings.catalogue)
    except CatalogueError as error:
        raise UserError("\n".join(str(problem) for problem in error.problems)) from error
    return source, hosted_provinces(source)


def main() -> ProviderPlatform:
    try:
        settings = ProviderSettings.from_config()
        source, hosted = load_stack_provider(settings)
    except UserError as error:
        raise pulumi.RunError(str(error)) from error
    kubernetes = k8s.Provider("kubernetes", context=settings.kube_context)
    platform = ProviderPlatform(source, hosted, pulumi.ResourceOptions(providers={"kubernetes": kubernetes}))
    for key, value in provider_outputs(source, hosted).items():
        pulumi.export(key, value)
    pulumi.export("objectCounts", platform.object_counts)
    return platform
