"""Objects are checked against the Kubernetes OpenAPI schema of the catalogue's version; KubeVirt
and Multus objects for the fields their controllers need."""

from typing import Any

import pytest

from provcloud.plan.model import PlannedObject
from provcloud.plan.validation import schema_version, supported_versions, validate_objects


def planned(manifest: dict[str, Any]) -> PlannedObject:
    meta = manifest["metadata"]
    return PlannedObject(manifest["apiVersion"], manifest["kind"], meta["name"], meta.get("namespace"), "urn", manifest)


def test_a_typo_in_a_core_object_is_a_schema_error() -> None:
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "default-deny", "namespace": "demo-a"},
        "spec": {"podSelector": {}, "policyType": ["Ingress"]},
    }
    errors, warnings = validate_objects([planned(policy)], "1.31")
    assert [str(e) for e in errors] == [
        "NetworkPolicy demo-a/default-deny: spec: Additional properties are not allowed ('policyType' was unexpected)"
    ]
    assert warnings == []


def test_a_wrong_type_names_its_path() -> None:
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "q", "namespace": "a"},
        "spec": {"hard": 4},
    }
    (error,) = validate_objects([planned(quota)], "1.31")[0]
    assert error.path == "spec.hard"


def test_an_api_version_the_cluster_does_not_serve_is_an_error() -> None:
    old = {"apiVersion": "admissionregistration.k8s.io/v1alpha1", "kind": "Namespace", "metadata": {"name": "x"}}
    (error,) = validate_objects([planned(old)], "1.31")[0]
    assert "no Namespace in admissionregistration.k8s.io/v1alpha1" in error.message


def test_a_virtual_machine_without_instancetype_or_matching_networks_is_an_error() -> None:
    vm = {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachine",
        "metadata": {"name": "lgsp-01", "namespace": "platform-lgsp"},
        "spec": {
            "runStrategy": "Always",
            "template": {
                "spec": {"domain": {"devices": {"interfaces": [{"name": "zone-dmz", "bridge": {}}]}}, "networks": []}
            },
        },
    }
    errors = {e.path: e.message for e in validate_objects([planned(vm)], "1.31")[0]}
    assert errors == {
        "spec.instancetype.name": "required field is missing",
        "spec.template.spec.networks": "interfaces ['zone-dmz'] and networks [] differ",
    }


def test_a_version_without_schemas_uses_the_nearest_with_a_visible_warning() -> None:
    newest = supported_versions()[-1]
    beyond = f"1.{int(newest.split('.')[1]) + 3}"
    version, warning = schema_version(beyond)
    assert version == newest
    assert warning is not None and f"no schema for Kubernetes {beyond}" in warning and newest in warning
    assert schema_version("1.31") == ("1.31", None)


@pytest.mark.parametrize("version", ["1.31", supported_versions()[-1]])
def test_the_stack_objects_are_valid_for_supported_versions(version: str) -> None:
    from plan_helpers import planned as plan_of

    errors, _ = validate_objects(plan_of("demo").objects, version)
    assert [str(e) for e in errors] == []
