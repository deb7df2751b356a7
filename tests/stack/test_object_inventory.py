"""The platform stack, run for every province under the mock runtime, declares exactly this
inventory of objects: a table a reviewer can check against the catalogue."""

import pytest

from conftest import ROOT
from plan_helpers import objects, planned, province_slugs
from provcloud.catalogue import load_province
from provcloud.register.catalogue import is_generated

# Per province: objects per kind. Tenants: Namespace, ResourceQuota, LimitRange, 3 NetworkPolicies
# (default-deny, allow-ingress, allow-egress) and a RoleBinding per owner list. Platform: 3 namespaces
# (lgsp, docsystem, backup) with the same 3 NetworkPolicies, a NetworkAttachmentDefinition per zone
# of each namespace; cluster-wide: 7 admission policies with their bindings, the VM sizes.
INVENTORY = {
    "demo": {
        "LimitRange": 7,
        "Namespace": 7 + 3,
        "NetworkAttachmentDefinition": 4,
        "NetworkPolicy": 7 * 3 + 3 * 4,
        "ResourceQuota": 7,
        "RoleBinding": 5,
        "ValidatingAdmissionPolicy": 7,
        "ValidatingAdmissionPolicyBinding": 7,
        "VirtualMachine": 4,  # the lab-only national peer has no VM
        "VirtualMachineClusterInstancetype": 3,
    },
    "demo2": {  # two agencies without owner groups; no backup machine, so two platform namespaces
        "LimitRange": 2,
        "Namespace": 2 + 2,
        "NetworkAttachmentDefinition": 3,
        "NetworkPolicy": 2 * 3 + 2 * 4,
        "ResourceQuota": 2,
        "ValidatingAdmissionPolicy": 7,
        "ValidatingAdmissionPolicyBinding": 7,
        "VirtualMachine": 3,
        "VirtualMachineClusterInstancetype": 2,
    },
    "demo-ha": {  # two agencies; the LGSP pair, the application pair, the database pair and the backup
        # machine (platform namespaces lgsp, docsystem, backup; an attachment per zone with a VM: dmz,
        # app, data, mgmt); the national peer has no VM
        "LimitRange": 2,
        "Namespace": 2 + 3,
        "NetworkAttachmentDefinition": 4,
        "NetworkPolicy": 2 * 3 + 3 * 4,
        "ResourceQuota": 2,
        "ValidatingAdmissionPolicy": 7,
        "ValidatingAdmissionPolicyBinding": 7,
        "VirtualMachine": 7,
        "VirtualMachineClusterInstancetype": 2,
    },
    "danang": {  # 16 provincial bodies and the 94 communes, wards and special zone of the register
        "LimitRange": 110,
        "Namespace": 110 + 3,
        "NetworkAttachmentDefinition": 4,
        "NetworkPolicy": 110 * 3 + 3 * 4,
        "ResourceQuota": 110,
        "RoleBinding": 2,
        "ValidatingAdmissionPolicy": 7,
        "ValidatingAdmissionPolicyBinding": 7,
        "VirtualMachine": 6,
        "VirtualMachineClusterInstancetype": 3,
    },
    **{
        # Hosted by qtsc: namespaced objects and the namespaces only — the guardrails and VM sizes are
        # the provider's (stacks/provider/); every namespace also carries the platform team's binding
        # and its share of the allotment; a backup machine, no national peer.
        slug: {
            "LimitRange": 2,
            "Namespace": 2 + 3,
            "NetworkAttachmentDefinition": 4,
            "NetworkPolicy": 2 * 3 + 3 * 4,
            "ResourceQuota": 2 + 5,
            "RoleBinding": 2 + 5,
            "VirtualMachine": 4,
        }
        for slug in ("rented-alpha", "rented-beta")
    },
}


def _generated() -> list[str]:
    return [slug for slug in province_slugs() if is_generated(ROOT / "provinces" / f"{slug}.yml")]


def test_every_province_has_an_inventory() -> None:
    hand_written = sorted(set(province_slugs()) - set(_generated()))
    assert sorted(INVENTORY) == hand_written, "add the new province's expected counts to INVENTORY"


def _generated_by_host() -> dict[bool, list[tuple[int, str]]]:
    """The generated provinces (agency count, slug), smallest first: on their own cluster (False) and
    hosted by a provider (True, the ones providers/*.yml lists)."""
    found: dict[bool, list[tuple[int, str]]] = {False: [], True: []}
    for slug in _generated():
        province = load_province(ROOT / "provinces" / f"{slug}.yml")
        found[province.hosting is not None].append((len(province.agencies), slug))
    return {hosted: sorted(sizes) for hosted, sizes in found.items()}


def _by_size() -> list[str]:
    """The owned generated provinces with the fewest and the most agencies: they share one template."""
    sizes = _generated_by_host()[False]
    return [sizes[0][1], sizes[-1][1]]


@pytest.mark.parametrize("slug", _by_size())
def test_generated_province_declares_its_tenants_and_passes_every_policy(slug: str) -> None:
    """A province from the register: a tenant (namespace, quota, limits, 3 policies) per agency, the
    three platform namespaces, the five service machines, and nothing any policy refuses."""
    agencies = len(load_province(ROOT / "provinces" / f"{slug}.yml").agencies)
    plan = planned(slug)
    assert {kind: plan.counts[kind] for kind in ("Namespace", "ResourceQuota", "NetworkPolicy", "VirtualMachine")} == {
        "Namespace": agencies + 3,
        "ResourceQuota": agencies,
        "NetworkPolicy": agencies * 3 + 3 * 4,
        "VirtualMachine": 5,
    }
    assert [str(e) for e in plan.schema_errors] == []
    assert [v.message for v in plan.violations] == []


@pytest.mark.parametrize("slug", [slug for _, slug in _generated_by_host()[True]])
def test_generated_hosted_province_declares_its_namespaces_only_and_passes_every_policy(slug: str) -> None:
    """A register province its provider lists: no guardrails or VM sizes of its own, a tenant per
    agency and the three platform namespaces, each with the team's binding and the allotment quota."""
    agencies = len(load_province(ROOT / "provinces" / f"{slug}.yml").agencies)
    plan = planned(slug)
    namespaces = agencies + 3
    assert plan.counts == {
        "LimitRange": agencies,
        "Namespace": namespaces,
        "NetworkAttachmentDefinition": 4,
        "NetworkPolicy": agencies * 3 + 3 * 4,
        "ResourceQuota": agencies + namespaces,
        "RoleBinding": namespaces,
        "VirtualMachine": 5,
    }
    assert [str(e) for e in plan.schema_errors] == []
    assert [v.message for v in plan.violations] == []


def test_a_register_province_is_hosted() -> None:
    assert _generated_by_host()[True], "providers/qtsc.yml hosts no register province (issue 10)"


@pytest.mark.parametrize("slug", sorted(INVENTORY))
def test_objects_per_kind(slug: str) -> None:
    assert planned(slug).counts == INVENTORY[slug]


@pytest.mark.parametrize("slug", sorted(INVENTORY))
def test_plan_is_schema_valid_and_passes_every_policy(slug: str) -> None:
    plan = planned(slug)
    assert [str(e) for e in plan.schema_errors] == []
    assert [v.message for v in plan.violations] == []
    assert plan.warnings == [], "the catalogue's Kubernetes version has an exact schema"


def test_stack_outputs_name_tenants_machines_and_counts() -> None:
    outputs = planned("demo").outputs
    assert outputs["tenants"]["so-khcn"] == "demo-so-khcn"
    assert outputs["serviceMachines"]["lgsp-01"] == {"ip": "198.18.0.10", "zone": "dmz", "role": "lgsp_node"}
    assert "ndxp-peer" not in outputs["serviceMachines"]
    assert outputs["objectCounts"] == INVENTORY["demo"]


def test_storage_classes_follow_tiers_and_agencies() -> None:
    def hard(slug: str, namespace: str) -> dict[str, str]:
        (quota,) = objects(planned(slug), "ResourceQuota", namespace)
        hard_limits: dict[str, str] = quota.manifest["spec"]["hard"]
        return hard_limits

    fast = "fast-ssd.storageclass.storage.k8s.io"
    assert hard("demo", "demo-so-khcn")[f"{fast}/requests.storage"] == "500Gi"  # tier large may use it
    assert hard("demo", "demo-vp-ubnd")[f"{fast}/requests.storage"] == "0"
    assert hard("demo", "demo-vp-ubnd")[f"{fast}/persistentvolumeclaims"] == "0"
    ssd = "ceph-rbd-ssd.storageclass.storage.k8s.io/requests.storage"
    assert hard("danang", "danang-so-y-te")[ssd] != "0"  # listed by slug whatever its tier


def test_service_vm_has_static_address_instancetype_and_zone_network() -> None:
    (vm,) = [o for o in objects(planned("demo"), "VirtualMachine") if o.name == "lgsp-01"]
    spec = vm.manifest["spec"]
    assert vm.namespace == "platform-lgsp"
    assert spec["instancetype"] == {"kind": "VirtualMachineClusterInstancetype", "name": "medium"}
    assert spec["dataVolumeTemplates"][0]["spec"]["source"]["http"]["url"].endswith(
        "debian-12-genericcloud-amd64.qcow2"
    )
    template = spec["template"]["spec"]
    assert template["networks"] == [{"name": "zone-dmz", "multus": {"networkName": "platform-lgsp/zone-dmz"}}]
    cloud_init = next(v["cloudInitNoCloud"] for v in template["volumes"] if "cloudInitNoCloud" in v)
    assert "addresses: [198.18.0.10/24]" in cloud_init["networkData"]
    assert "via: 198.18.0.1" in cloud_init["networkData"]
    assert "name: nguyenvana" in cloud_init["userData"]
    assert "proxy: http://198.18.3.1:3142" in cloud_init["userData"]
    (network,) = [o for o in objects(planned("demo"), "NetworkAttachmentDefinition", "platform-lgsp")]
    assert '"bridge": "demo-dmz"' in network.manifest["spec"]["config"]
    assert '"vlan": 110' in network.manifest["spec"]["config"]


@pytest.mark.parametrize("slug", ["rented-alpha", "rented-beta"])
def test_hosted_province_declares_nothing_cluster_scoped_but_its_namespaces(slug: str) -> None:
    plan = planned(slug)
    cluster_scoped = sorted({o.kind for o in plan.objects if o.namespace is None})
    assert cluster_scoped == ["Namespace"], f"a hosted province's stack declares {cluster_scoped}"
    names = sorted(o.name for o in objects(plan, "Namespace"))
    expected = ("so-tp", "vp-ubnd", "platform-backup", "platform-docsystem", "platform-lgsp")
    # Prefixed with the province: the provider's cluster is shared.
    assert names == sorted(f"{slug}-{name}" for name in expected)
    (vm,) = [o for o in objects(plan, "VirtualMachine") if o.name == "lgsp-01"]
    networks = vm.manifest["spec"]["template"]["spec"]["networks"]
    assert networks == [{"name": "zone-dmz", "multus": {"networkName": f"{slug}-platform-lgsp/zone-dmz"}}]
