"""Platform namespaces (`platform-lgsp`, `platform-docsystem`, ...): where the common services' VMs
live, with their zone networks and the NetworkPolicies of the zone model."""

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import pulumi

from provcloud.catalogue import Province
from provcloud.catalogue.network import Zone
from provcloud.platform import labels
from provcloud.platform.hosted_namespace import hosted_objects, prerequisites
from provcloud.platform.network_policies import namespace_peer, namespace_policies, network_policy
from provcloud.platform.objects import Manifest, declare_all, metadata
from provcloud.platform.pod_security import BASELINE, pod_security_labels
from provcloud.platform.service_vm import platform_namespace_of, stack_machines, zone_network_name
from provcloud.service_ports import url_port

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
        zones.setdefault(platform_namespace_of(province, machine.role), set()).add(machine.zone)
    return zones


def stack_namespaces(province: Province) -> list[str]:
    """Every namespace the province's stack declares, sorted: a tenant's per agency, and the platform
    namespaces of its service machines. A provider admits exactly these for a hosted province and its
    allotment counts them (provcloud.catalogue.hosted, provcloud.provider.limits)."""
    return sorted([*(province.namespace_of(agency) for agency in province.agencies), *zones_of(province)])


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


CDI_IMPORTER = {"cdi.kubevirt.io": "importer"}
"""The label CDI puts on the importer pod it starts, in the VM's namespace, for a DataVolume."""


def image_import_policy(province: Province, namespace: str) -> Manifest:
    """The one egress beyond the zone model: CDI's importer pods fetch the OS image of the service VMs'
    root disks from `platform.os_image.url`, and nothing else does."""
    image = province.platform.os_image
    url = urlsplit(image.url)
    port = url_port(url)
    cidrs = [str(cidr) for cidr in image.addresses] if image.addresses else ["0.0.0.0/0"]
    return network_policy(
        "allow-image-import",
        namespace,
        {
            "podSelector": {"matchLabels": CDI_IMPORTER},
            "policyTypes": ["Egress"],
            "egress": [
                {"to": [{"ipBlock": {"cidr": cidr}} for cidr in cidrs], "ports": [{"protocol": "TCP", "port": port}]}
            ],
        },
    )


def platform_namespace_objects(
    province: Province, namespace: str, zones: dict[str, set[str]], allotment_quota: Any = None
) -> list[Manifest]:
    own = zones[namespace]
    others = sorted(other for other in zones if other != namespace)
    callers = [other for other in others if _may_connect(zones[other], own)]
    callees = [other for other in others if _may_connect(own, zones[other])]
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
        *hosted_objects(province, namespace, allotment_quota),
        *namespace_policies(
            province,
            namespace,
            ingress=[{"from": [namespace_peer(other) for other in callers]}] if callers else [],
            egress=[{"to": [namespace_peer(other) for other in callees]}] if callees else [],
        ),
        image_import_policy(province, namespace),
    ]
    objects.extend(network_attachment(province, namespace, zone, province.network.zones[zone]) for zone in sorted(own))
    return objects


class PlatformNamespace(pulumi.ComponentResource):
    """A namespace of the common services with its zone networks and zone-model NetworkPolicies."""

    TYPE = "provcloud:platform:PlatformNamespace"

    def __init__(
        self,
        province: Province,
        namespace: str,
        zones: dict[str, set[str]],
        opts: pulumi.ResourceOptions | None = None,
        allotment_quota: Any = None,
    ) -> None:
        super().__init__(self.TYPE, namespace, None, opts)
        self.manifests = platform_namespace_objects(province, namespace, zones, allotment_quota)
        declare_all(self.manifests, pulumi.ResourceOptions(parent=self), prerequisites(province))
        self.register_outputs({"namespace": namespace, "zones": sorted(zones[namespace])})
