"""The order a real engine creates the platform in, from the dependencies the program registers
(recorded by the mock run): KubeVirt's webhook refuses a VM whose instancetype does not exist yet,
a namespaced object needs its namespace, a binding without its policy guards nothing."""

from typing import Any

import pytest

from provcloud.plan.capture import Capture
from provcloud.plan.run import capture_stack
from provcloud.plan.stack_config import find_stack
from provcloud.project import project_root


def _capture(slug: str) -> Capture:
    root = project_root()
    return capture_stack(find_stack(root, slug, root / "provinces" / f"{slug}.yml"))


def _objects(capture: Capture) -> dict[str, dict[str, Any]]:
    return {r.urn: r.inputs for r in capture.resources if r.custom and r.type.startswith("kubernetes:")}


def _key(manifest: dict[str, Any]) -> tuple[str, str, str]:
    meta = manifest.get("metadata") or {}
    return (str(manifest.get("kind")), str(meta.get("namespace", "")), str(meta.get("name")))


@pytest.fixture(scope="module", params=["demo", "danang"])
def graph(request: pytest.FixtureRequest) -> list[tuple[dict[str, Any], set[tuple[str, str, str]]]]:
    capture = _capture(request.param)
    objects = _objects(capture)
    return [
        (objects[r.urn], {_key(objects[d]) for d in r.dependencies if d in objects})
        for r in capture.resources
        if r.urn in objects
    ]


def test_every_vm_waits_for_its_instancetype_namespace_policies_and_network(graph: list[Any]) -> None:
    everything = {_key(manifest) for manifest, _ in graph}
    vms = [(m, after) for m, after in graph if m["kind"] == "VirtualMachine"]
    assert vms
    for vm, after in vms:
        namespace = vm["metadata"]["namespace"]
        network = vm["spec"]["template"]["spec"]["networks"][0]["multus"]["networkName"].split("/")[1]
        wanted = {
            ("VirtualMachineClusterInstancetype", "", vm["spec"]["instancetype"]["name"]),
            ("Namespace", "", namespace),
            ("NetworkAttachmentDefinition", namespace, network),
            *{key for key in everything if key[0] == "NetworkPolicy" and key[1] == namespace},
        }
        assert wanted <= after, (
            f"VirtualMachine {namespace}/{vm['metadata']['name']} does not wait for {wanted - after}"
        )


def test_every_namespaced_object_waits_for_its_namespace(graph: list[Any]) -> None:
    for manifest, after in graph:
        kind, namespace, name = _key(manifest)
        if namespace:
            assert ("Namespace", "", namespace) in after, f"{kind} {namespace}/{name} does not wait for its namespace"


def test_every_binding_waits_for_its_policy(graph: list[Any]) -> None:
    bindings = [(m, after) for m, after in graph if m["kind"] == "ValidatingAdmissionPolicyBinding"]
    assert bindings
    for binding, after in bindings:
        policy = ("ValidatingAdmissionPolicy", "", binding["spec"]["policyName"])
        assert policy in after, f"binding {binding['metadata']['name']} does not wait for its policy"
