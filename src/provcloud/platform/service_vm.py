"""ServiceVM: one catalogue service machine as a KubeVirt VirtualMachine on its zone network, with
the catalogue's static address set by cloud-init."""

import pulumi

from provcloud.catalogue import MachineRole, Province, ServiceMachine
from provcloud.platform import labels
from provcloud.platform.cloud_init import mac_address, network_config, user_data
from provcloud.platform.objects import Manifest, declare_all, metadata

PLATFORM_NAMESPACES: dict[MachineRole, str] = {
    MachineRole.lgsp_node: "platform-lgsp",
    MachineRole.docsystem_app: "platform-docsystem",
    MachineRole.docsystem_db: "platform-docsystem",
    MachineRole.backup: "platform-backup",
}
"""The platform namespace each role's VMs live in. `national_peer` is absent: it exists only in the lab."""


def platform_namespace_of(province: Province, role: MachineRole) -> str:
    """The namespace of a role's VMs: `platform-<service>` on a province's own cluster; on a
    provider's cluster, shared with other provinces, prefixed with the province (`<slug>-platform-lgsp`)
    like its tenants, so two hosted provinces never claim the same namespace."""
    base = PLATFORM_NAMESPACES[role]
    return f"{province.slug}-{base}" if province.hosting is not None else base


def stack_machines(province: Province) -> list[ServiceMachine]:
    """The service machines the stack builds: every one but the lab-only national peer."""
    return [machine for machine in province.service_machines if machine.role in PLATFORM_NAMESPACES]


def zone_network_name(zone: str) -> str:
    return f"zone-{zone}"


def virtual_machine(
    province: Province, machine: ServiceMachine, admin_user: str, admin_keys: tuple[str, ...]
) -> Manifest:
    namespace = platform_namespace_of(province, machine.role)
    machine_labels = {
        labels.PROVINCE: province.slug,
        labels.ROLE: machine.role.value,
        labels.ZONE: machine.zone,
        labels.MACHINE: machine.name,
        labels.SECURITY_LEVEL: str(province.machine_level(machine)),
    }
    root_disk = f"{machine.name}-root"
    network = zone_network_name(machine.zone)
    return {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachine",
        "metadata": metadata(
            machine.name,
            namespace,
            labels=machine_labels,
            annotations={labels.NAME: province.machine_fqdn(machine)},
        ),
        "spec": {
            "runStrategy": "Always",
            "instancetype": {"kind": "VirtualMachineClusterInstancetype", "name": machine.size},
            "dataVolumeTemplates": [
                {
                    "metadata": {"name": root_disk},
                    "spec": {
                        "source": {"http": {"url": province.platform.os_image.url}},
                        "storage": {"resources": {"requests": {"storage": province.platform.os_image.disk_size}}},
                    },
                }
            ],
            "template": {
                "metadata": {"labels": {**machine_labels, "kubevirt.io/domain": machine.name}},
                "spec": {
                    "domain": {
                        "devices": {
                            "disks": [
                                {"name": "root", "disk": {"bus": "virtio"}},
                                {"name": "cloudinit", "disk": {"bus": "virtio"}},
                            ],
                            "interfaces": [
                                {"name": network, "bridge": {}, "macAddress": mac_address(province, machine)}
                            ],
                        }
                    },
                    "networks": [{"name": network, "multus": {"networkName": f"{namespace}/{network}"}}],
                    "volumes": [
                        {"name": "root", "dataVolume": {"name": root_disk}},
                        {
                            "name": "cloudinit",
                            "cloudInitNoCloud": {
                                "userData": user_data(province, machine, admin_user, admin_keys),
                                "networkData": network_config(province, machine),
                            },
                        },
                    ],
                },
            },
        },
    }


class ServiceVM(pulumi.ComponentResource):
    """A common service's VM (LGSP node, document system, backup) with its static zone address."""

    TYPE = "provcloud:platform:ServiceVM"

    def __init__(
        self,
        province: Province,
        machine: ServiceMachine,
        admin_user: str,
        admin_keys: tuple[str, ...],
        after: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`after`: what the VM waits for — its platform namespace (with its NetworkPolicies and zone
        network attachments) and its instancetype, which KubeVirt's webhook requires to exist."""
        super().__init__(self.TYPE, machine.name, None, opts)
        self.manifests = [virtual_machine(province, machine, admin_user, admin_keys)]
        declare_all(self.manifests, pulumi.ResourceOptions(parent=self, depends_on=after))
        self.register_outputs({"ip": str(machine.ip), "zone": machine.zone, "role": machine.role.value})
