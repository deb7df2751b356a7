"""The provider stack (stacks/provider/) planned offline like a province's: what it declares for the
provinces it hosts, what it exports to them, and the StackReference contract a hosted province's
stack reads it through."""

import json
from functools import cache
from pathlib import Path

from conftest import ROOT, run_provcloud
from plan_helpers import objects, project_copy
from provcloud.plan.model import Plan
from provcloud.plan.run import make_provider_plan
from provcloud.plan.stack_config import find_provider_stack

HOSTED = ("laichau", "rented-alpha", "rented-beta")
"""providers/qtsc.yml's provinces: a register one (laichau, generated hosted) and two illustrative."""


@cache
def provider_plan() -> Plan:
    return make_provider_plan(find_provider_stack(ROOT, "qtsc"), ROOT / "policies")


def test_provider_declares_guardrails_limits_sizes_and_team_access_per_province() -> None:
    # Per province: 7 tenant guardrails + namespace allotment + allotment quota pin + team scope
    # (each a policy with its binding), and a ClusterRoleBinding for its team. Shared: the offered
    # sizes and the two ClusterRoles of hosted teams.
    assert provider_plan().counts == {
        "ClusterRole": 2,
        "ClusterRoleBinding": len(HOSTED),
        "ValidatingAdmissionPolicy": 10 * len(HOSTED),
        "ValidatingAdmissionPolicyBinding": 10 * len(HOSTED),
        "VirtualMachineClusterInstancetype": 3,
    }
    assert all(o.namespace is None for o in provider_plan().objects), "the provider's objects are cluster-scoped"


def test_provider_plan_is_schema_valid_its_cel_compiles_and_passes_every_policy() -> None:
    plan = provider_plan()
    assert [str(e) for e in plan.schema_errors] == []
    assert [v.message for v in plan.violations] == []
    assert any("CEL expression(s) compiled" in check for check in plan.checks)


def test_provider_exports_sizes_storage_classes_and_allotments() -> None:
    outputs = provider_plan().outputs
    assert outputs["sizes"]["large"] == {"cpu": 4, "memory": "8Gi"}
    assert outputs["storageClasses"] == {"standard": {"maxVolume": "500Gi"}, "fast-ssd": {"maxVolume": "200Gi"}}
    alpha = outputs["allotments"]["rented-alpha"]
    assert alpha["namespaces"] == 6
    assert alpha["admittedNamespaces"] == [
        "rented-alpha-platform-backup",
        "rented-alpha-platform-docsystem",
        "rented-alpha-platform-lgsp",
        "rented-alpha-so-tp",
        "rented-alpha-vp-ubnd",
    ]
    # 48 CPU, 96Gi, 2Ti, 12 VMs over 6 namespaces: each namespace's share, rounded down.
    assert alpha["namespaceQuota"] == {
        "requests.cpu": "8",
        "requests.memory": "16Gi",
        "requests.storage": "349525Mi",
        "count/virtualmachines.kubevirt.io": "2",
        "services.nodeports": "0",
        "services.loadbalancers": "0",
    }


def test_the_register_province_is_admitted_its_54_namespaces_each_within_a_share() -> None:
    laichau = provider_plan().outputs["allotments"]["laichau"]
    assert laichau["namespaces"] == 56
    admitted = laichau["admittedNamespaces"]
    assert len(admitted) == 51 + 3 and "laichau-platform-docsystem" in admitted and "laichau-so-y-te" in admitted
    # 192 CPU, 768Gi, 8Ti, 112 VMs over 56: the docsystem namespace's two VMs (8Gi + 4Gi) fit a share.
    assert laichau["namespaceQuota"] == {
        "requests.cpu": "3428m",
        "requests.memory": "14043Mi",
        "requests.storage": "149796Mi",
        "count/virtualmachines.kubevirt.io": "2",
        "services.nodeports": "0",
        "services.loadbalancers": "0",
    }


def test_guardrails_are_the_provinces_own_rules_named_and_bound_per_province() -> None:
    bindings = {o.name: o for o in objects(provider_plan(), "ValidatingAdmissionPolicyBinding")}
    for slug in HOSTED:
        binding = bindings[f"provcloud-{slug}-ingress-hosts"]
        assert binding.manifest["spec"]["matchResources"]["namespaceSelector"] == {
            "matchLabels": {"provcloud.vn/tenant": "true", "provcloud.vn/province": slug}
        }
    policies = objects(provider_plan(), "ValidatingAdmissionPolicy")
    (policy,) = [o for o in policies if o.name == "provcloud-rented-alpha-ingress-hosts"]
    domain = policy.manifest["spec"]["variables"][0]["expression"]
    assert domain.endswith("'.rented-alpha.apps.qtsc.provcloud.test'"), "each province keeps its own ingress domain"


def test_plan_command_plans_the_provider(tmp_path: Path) -> None:
    result = run_provcloud("plan", "--provider", "qtsc", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["province"] == "qtsc" and data["counts"]["ClusterRoleBinding"] == len(HOSTED)


def test_plan_command_names_an_unknown_provider() -> None:
    result = run_provcloud("plan", "--provider", "nosuch")
    assert result.returncode != 0
    assert "unknown provider 'nosuch'" in result.stderr and "providers: qtsc" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_province_reading_an_output_the_provider_does_not_export_fails_naming_it(tmp_path: Path) -> None:
    """The StackReference contract: the provider stops exporting `sizes`; the hosted province's plan
    fails with one clear error naming the output, the provider's stack and its catalogue file."""
    project = project_copy(tmp_path)
    (project / "stacks" / "provider" / "__main__.py").write_text(
        "import provcloud.provider.stack as stack\n"
        "original = stack.provider_outputs\n"
        "def without_sizes(source, hosted):\n"
        "    outputs = original(source, hosted)\n"
        "    del outputs['sizes']\n"
        "    return outputs\n"
        "stack.provider_outputs = without_sizes\n"
        "stack.main()\n",
        encoding="utf-8",
    )
    result = run_provcloud("plan", "rented-alpha", cwd=project)
    assert result.returncode != 0
    message = " ".join(result.stderr.split())
    assert (
        "province rented-alpha reads output 'sizes' of provider stack organization/provcloud-provider/qtsc "
        "(stacks/provider/, providers/qtsc.yml), which does not export it" in message
    )
    assert "Traceback" not in result.stderr


def test_a_hosted_plan_reads_its_allotment_through_the_stack_reference() -> None:
    from plan_helpers import planned

    share = provider_plan().outputs["allotments"]["rented-beta"]["namespaceQuota"]
    plan = planned("rented-beta")
    quotas = [o for o in objects(plan, "ResourceQuota") if o.name == "provider-allotment"]
    assert sorted(str(q.namespace) for q in quotas) == sorted(o.name for o in objects(plan, "Namespace")), (
        "every namespace of a hosted province carries its share of the allotment"
    )
    assert all(q.manifest["spec"]["hard"] == share for q in quotas)
