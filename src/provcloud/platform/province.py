"""ProvincePlatform: the whole platform of one province — guardrails, VM sizes, platform
namespaces, a tenant per agency and a VM per service machine.

A hosted province (`hosting:`) is not cluster admin on its provider's cluster: its guardrails and VM
sizes are the provider's (stacks/provider/), and its stack declares nothing cluster-scoped but its
namespaces."""

from collections import Counter
from collections.abc import Mapping
from typing import Any

import pulumi

from provcloud.catalogue import Province
from provcloud.catalogue.platform import InstanceType
from provcloud.platform import labels
from provcloud.platform.guardrails import Guardrails, guardrail_objects
from provcloud.platform.objects import Manifest, declare_all, metadata
from provcloud.platform.platform_namespace import PlatformNamespace, platform_namespace_objects, zones_of
from provcloud.platform.provider_offer import read_offer
from provcloud.platform.service_vm import ServiceVM, platform_namespace_of, stack_machines, virtual_machine
from provcloud.platform.settings import StackSettings
from provcloud.platform.tenant import AgencyTenant, tenant_objects


def instance_type_objects(sizes: Mapping[str, InstanceType], owner: dict[str, str]) -> list[Manifest]:
    """VM sizes as KubeVirt cluster instancetypes (service VMs and tenants pick them), labelled with
    who declares them: the province on its own cluster, the provider on a shared one."""
    return [
        {
            "apiVersion": "instancetype.kubevirt.io/v1beta1",
            "kind": "VirtualMachineClusterInstancetype",
            "metadata": metadata(name, labels=owner),
            "spec": {"cpu": {"guest": size.cpu}, "memory": {"guest": size.memory}},
        }
        for name, size in sorted(sizes.items())
    ]


def province_sizes(province: Province) -> list[Manifest]:
    return instance_type_objects(province.platform.instance_types, {labels.PROVINCE: province.slug})


def owns_cluster(province: Province) -> bool:
    """Whether the province's stack is cluster admin (its own cluster), or a tenant of a provider's."""
    return province.hosting is None


def province_object_groups(province: Province, settings: StackSettings) -> list[list[Manifest]]:
    """Every object of the platform, grouped as the components declare them (the benchmark's floor
    declares the same groups without components)."""
    zones = zones_of(province)
    return [
        *([guardrail_objects(province), province_sizes(province)] if owns_cluster(province) else []),
        *(platform_namespace_objects(province, namespace, zones) for namespace in sorted(zones)),
        *(
            [virtual_machine(province, machine, settings.admin_user, settings.ssh_authorized_keys)]
            for machine in stack_machines(province)
        ),
        *(tenant_objects(province, agency) for agency in province.agencies),
    ]


class ProvincePlatform(pulumi.ComponentResource):
    """The province's platform on its Kubernetes + KubeVirt cluster."""

    TYPE = "provcloud:platform:ProvincePlatform"

    def __init__(self, province: Province, settings: StackSettings, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(self.TYPE, province.slug, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        counts: Counter[str] = Counter()

        # A VM waits for its size when the stack declares the size; a hosted province's sizes exist
        # before its stack runs (the provider's stack made them).
        size_resources: dict[str, pulumi.Resource] = {}
        quota: pulumi.Output[dict[str, str]] | None = None
        if not owns_cluster(province):
            # The provider's offer, through its stack: checked against what the province uses, and
            # its allotment's share carried by every namespace.
            quota = read_offer(province).apply(lambda offer: offer.namespace_quota)
        else:
            guardrails = Guardrails(province, child)
            sizes = province_sizes(province)
            size_resources.update(zip((m["metadata"]["name"] for m in sizes), declare_all(sizes, child), strict=True))
            counts.update(m["kind"] for m in [*guardrails.manifests, *sizes])

        zones = zones_of(province)
        namespaces: dict[str, PlatformNamespace] = {}
        for namespace in sorted(zones):
            namespaces[namespace] = PlatformNamespace(province, namespace, zones, child, quota)
            counts.update(m["kind"] for m in namespaces[namespace].manifests)

        self.service_machines: dict[str, dict[str, Any]] = {}
        for machine in stack_machines(province):
            vm = ServiceVM(
                province,
                machine,
                settings.admin_user,
                settings.ssh_authorized_keys,
                [
                    namespaces[platform_namespace_of(province, machine.role)],
                    *([size_resources[machine.size]] if machine.size in size_resources else []),
                ],
                child,
            )
            counts.update(m["kind"] for m in vm.manifests)
            self.service_machines[machine.name] = {
                "ip": str(machine.ip),
                "zone": machine.zone,
                "role": machine.role.value,
            }

        self.tenants: dict[str, str] = {}
        for agency in province.agencies:
            tenant = AgencyTenant(province, agency, child, quota)
            counts.update(m["kind"] for m in tenant.manifests)
            self.tenants[agency.slug] = tenant.namespace

        self.object_counts: dict[str, int] = dict(sorted(counts.items()))
        self.register_outputs(
            {"tenants": self.tenants, "serviceMachines": self.service_machines, "objectCounts": self.object_counts}
        )


def platform_manifests(province: Province, settings: StackSettings) -> list[Manifest]:
    return [manifest for group in province_object_groups(province, settings) for manifest in group]
