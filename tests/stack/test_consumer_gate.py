"""`provcloud plan` puts the objects' real consumers in the loop: a deliberately broken copy of the
stack program fails the plan with a message naming the object and the consumer that refuses it."""

from pathlib import Path

import pytest

from conftest import run_provcloud
from plan_helpers import STACK_PROGRAM_HEADER as HEADER
from plan_helpers import plan_edited_program, project_copy

MUTATIONS = {
    "flatten-in-a-policy": (
        # cel-go's list extension: the API server does not load it.
        "import provcloud.platform.guardrails as guardrails\n"
        "original = guardrails._ingress_hosts\n"
        "def with_flatten(province):\n"
        "    objects = original(province)\n"
        "    objects[0]['spec']['variables'][2]['expression'] = '[object.spec.tls.map(t, t.hosts)].flatten()'\n"
        "    return objects\n"
        "guardrails._ingress_hosts = with_flatten\n" + HEADER + "main()\n",
        "ValidatingAdmissionPolicy provcloud-ingress-hosts: spec.variables[2].expression: the Kubernetes 1.31 API "
        "server would refuse this CEL: ERROR: <input>:1:42: undeclared reference to 'flatten'",
    ),
    "route-to-default": (
        # cloud-init 22.4's network-state parser takes `default` for an address and raises.
        "import provcloud.platform.service_vm as service_vm\n"
        "original = service_vm.network_config\n"
        "def to_default(province, machine):\n"
        "    return original(province, machine).replace('to: 0.0.0.0/0', 'to: default')\n"
        "service_vm.network_config = to_default\n" + HEADER + "main()\n",
        "VirtualMachine platform-lgsp/lgsp-01: spec.template.spec.volumes[cloudinit].cloudInitNoCloud.networkData: "
        "Debian's cloud-init refuses the network-config: net-convert to networkd: ValueError: Address default is "
        "not a valid ip address",
    ),
    "importer-without-egress": (
        "import provcloud.platform.platform_namespace as platform_namespace\n"
        "original = platform_namespace.platform_namespace_objects\n"
        "def without_import(*args):\n"
        "    return [o for o in original(*args) if o['metadata']['name'] != 'allow-image-import']\n"
        "platform_namespace.platform_namespace_objects = without_import\n" + HEADER + "main()\n",
        "VirtualMachine platform-lgsp/lgsp-01: spec.dataVolumeTemplates: CDI's importer pod in platform-lgsp may not "
        "reach 198.18.3.1:80",
    ),
    "vm-field-kubevirt-does-not-know": (
        "import provcloud.platform.service_vm as service_vm\n"
        "original = service_vm.virtual_machine\n"
        "def typo(*args):\n"
        "    vm = original(*args)\n"
        "    vm['spec']['template']['spec']['domain']['devices']['interfaces'][0]['brige'] = {}\n"
        "    return vm\n"
        "service_vm.virtual_machine = typo\n" + HEADER + "main()\n",
        "VirtualMachine platform-lgsp/lgsp-01: spec.template.spec.domain.devices.interfaces.0: KubeVirt refuses it: "
        "Additional properties are not allowed ('brige' was unexpected)",
    ),
    "vm-api-version-kubevirt-does-not-serve": (
        "import provcloud.platform.service_vm as service_vm\n"
        "original = service_vm.virtual_machine\n"
        "def old(*args):\n"
        "    return {**original(*args), 'apiVersion': 'kubevirt.io/v1alpha3'}\n"
        "service_vm.virtual_machine = old\n" + HEADER + "main()\n",
        "VirtualMachine platform-lgsp/lgsp-01: apiVersion: KubeVirt serves no VirtualMachine in kubevirt.io/v1alpha3 "
        "(it serves nothing in kubevirt.io/v1alpha3)",
    ),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_a_consumer_refuses_the_broken_copy(tmp_path: Path, mutation: str) -> None:
    program, message = MUTATIONS[mutation]
    result = plan_edited_program(tmp_path, program)
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.stderr


def test_the_plan_says_which_consumers_judged_it(tmp_path: Path) -> None:
    result = run_provcloud("plan", "demo", cwd=project_copy(tmp_path))
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stdout.split())
    assert "CEL expression(s) compiled by CEL (cel-expr-python with the Kubernetes 1.31 function set)" in said
    assert "user-data and network-config of 4 VM(s) parsed and rendered by cloud-init 22.4.2" in said
    assert "CDI image import: 4 import path(s) judged against the namespaces' NetworkPolicies" in said
