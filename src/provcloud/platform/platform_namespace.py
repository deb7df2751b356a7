"""Platform namespaces (`platform-lgsp`, `platform-docsystem`, ...): where the common services' VMs
live, with their zone networks and the NetworkPolicies of the zone model."""

import json
from collections.abc import Iterable

import pulumi

from provcloud.catalogue import Province
from provcloud.catalogue.network import Zone
from provcloud.platform import labels
from provcloud.platform.network_policies import baseline_policies, namespace_selector, network_policy
from provcloud.platform.objects import Manifest, declare_all, metadata
from provcloud.platform.pod_security import BASELINE, pod_security_labels
from provcloud.platform.service_vm import PLATFORM_NAMESPACES, stack_machines, zone_network_name

ZONE_FLOWS: frozenset[tuple[str, str]] = frozenset(
    {("dmz", "app"), ("app", "data"), ("mgmt", "dmz"), ("mgmt", "app"), ("mgmt", "data")}
)
"""Zone model (from level 3): who may open connections to whom besides a zone to itself. The DMZ
reaches the application zone, the application zone the data zone, management reaches all."""

KUBEVIRT_REASON = (
    "KubeVirt virt-launcher pods run the service VMs here; they are held to baseline until the cluster's "
    "KubeVirt release is verified to run bridge-bound VMs under the restricted profile"
)


def zones_of(province: Province) -> dict[str, set[str]]:
    """Platform namespace → the zones its machines sit in."""
    zones: dict[str, set[str]] = {}
    for machine in stack_machines(province):
        zones.setdefault(PLATFORM_NAMESPACES[machine.role], set()).add(machine.zone)
    return zones


def _may_connect(sources: Iterable[str], targets: Iterable[str]) -> bool:
    return any(source == target or (source, target) in ZONE_FLOWS for source in sources for target in targets)


def network_attachment(province: Province, namespace: str, zone_name: str, zone: Zone) -> Manifest:
    name = zone_network_name(zone_name)
    config = json.dumps(
        {"cniVersion": "0.3.1", "name": name, "type": "bridge", "bridge": zone.bridge, "vlan": zone.vlan, "ipam": {}}
    )
    return {
        "apiVersion": "k8s.cni.cncf.io/v1",
        "kind": "NetworkAttachmentDefinition",
        "metadata": metadata(name, namespace, labels={labels.ZONE: zone_name}),
        "spec": {"config": config},
    }


def platform_namespace_objects(province: Province, namespace: str, zones: dict[str, set[str]]) -> list[Manifest]:
    own = zones[namespace]
    objects: list[Manifest] = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": metadata(
                namespace,
                labels={
                    labels.PROVINCE: province.slug,
                    labels.PLATFORM: "true",
                    **pod_security_labels(province, BASELINE),
                },
                annotations={labels.POD_SECURITY_REASON: KUBEVIRT_REASON},
            ),
        },
        *baseline_policies(province, namespace),
    ]
    for other, other_zones in sorted(zones.items()):
        if other == namespace:
            continue
        if _may_connect(other_zones, own):
            objects.append(
                network_policy(
                    f"allow-from-{other}",
                    namespace,
                    {"policyTypes": ["Ingress"], "ingress": [{"from": [namespace_selector(other)]}]},
                )
            )
        if _may_connect(own, other_zones):
            objects.append(
                network_policy(
                    f"allow-to-{other}",
                    namespace,
                    {"policyTypes": ["Egress"], "egress": [{"to": [namespace_selector(other)]}]},
                )
            )
    objects.extend(network_attachment(province, namespace, zone, province.network.zones[zone]) for zone in sorted(own))
    return objects


class PlatformNamespace(pulumi.ComponentResource):
    """A namespace of the common services with its zone networks and zone-model NetworkPolicies."""

    TYPE = "provcloud:platform:PlatformNamespace"

    def __init__(
        self, province: Province, namespace: str, zones: dict[str, set[str]], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE, namespace, None, opts)
        self.manifests = platform_namespace_objects(province, namespace, zones)
        declare_all(self.manifests, parent=self)
        self.register_outputs({"namespace": namespace, "zones": sorted(zones[namespace])})
