"""The vendored KubeVirt/CDI definitions are the projects' own, and they bite."""

import json

import pytest

from provcloud.plan import kubevirt_schema
from provcloud.project import project_root

SHARED = project_root().parent / "shared" / "schemas" / "kubevirt"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/schemas/kubevirt is not beside the checkout")
def test_vendored_definitions_are_the_published_ones() -> None:
    vendored = json.loads(kubevirt_schema.VENDORED.read_text(encoding="utf-8"))
    assert vendored == json.loads(json.dumps(kubevirt_schema.vendor(SHARED))), (
        "src/provcloud/plan/schemas/kubevirt.json differs from ../shared/schemas/kubevirt: re-vendor it "
        "(python -m provcloud.plan.kubevirt_schema ../shared/schemas/kubevirt)"
    )


def _instancetype(**spec: object) -> dict[str, object]:
    return {
        "apiVersion": "instancetype.kubevirt.io/v1beta1",
        "kind": "VirtualMachineClusterInstancetype",
        "metadata": {"name": "small"},
        "spec": {"cpu": {"guest": 1}, "memory": {"guest": "2Gi"}, **spec},
    }


def test_a_valid_instancetype_passes() -> None:
    assert kubevirt_schema.validate(_instancetype()) == []


def test_an_unknown_field_is_refused_with_its_path() -> None:
    assert kubevirt_schema.validate(_instancetype(vcpus=4)) == [
        ("spec", "KubeVirt refuses it: Additional properties are not allowed ('vcpus' was unexpected)")
    ]


def test_a_kind_kubevirt_does_not_serve_in_that_version() -> None:
    problems = kubevirt_schema.validate({**_instancetype(), "apiVersion": "instancetype.kubevirt.io/v1alpha1"})
    assert problems == [
        (
            "apiVersion",
            "KubeVirt serves no VirtualMachineClusterInstancetype in instancetype.kubevirt.io/v1alpha1 "
            "(it serves nothing in instancetype.kubevirt.io/v1alpha1)",
        )
    ]


def test_a_data_volume_template_is_judged_by_cdi() -> None:
    vm = {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachine",
        "metadata": {"name": "vm"},
        "spec": {
            "runStrategy": "Always",
            "dataVolumeTemplates": [
                {"metadata": {"name": "root"}, "spec": {"source": {"http": {"url": "http://x/y", "urll": "z"}}}}
            ],
            "template": {"spec": {"domain": {"devices": {}}}},
        },
    }
    assert (
        "spec.dataVolumeTemplates[0].spec.source.http",
        "CDI refuses it: Additional properties are not allowed ('urll' was unexpected)",
    ) in kubevirt_schema.validate(vm)
