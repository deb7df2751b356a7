"""Each ValidatingAdmissionPolicy the stack emits, judged as the API server would judge it
(provcloud.cel: the Kubernetes CEL function set, matchConstraints, the binding's namespace
selector, matchConditions, variables) on its case corpus in `policies/admission_cases/`: at least
ten requests it must deny, with the exact message, and ten it must admit."""

from typing import Any

import pytest
import yaml
from packaging.version import Version

from provcloud.catalogue import Province, load_province
from provcloud.catalogue.platform import MINIMUM_KUBERNETES
from provcloud.cel.admission import AdmissionRequest, User, judge
from provcloud.cel.kubernetes_library import LIBRARIES
from provcloud.platform.guardrails import guardrail_objects
from provcloud.project import project_root

CASES = project_root() / "policies" / "admission_cases"
MINIMUM = 10
USERS = {
    "tenant": User("oidc:tran.thi.b@so-khcn", ("oidc:demo-so-khcn-admins", "system:authenticated")),
    "platform": User("kubernetes-admin", ("kubeadm:cluster-admins", "system:authenticated")),
    "kubevirt": User("system:serviceaccount:kubevirt:kubevirt-controller", ("system:serviceaccounts",)),
    "namespace-controller": User("system:serviceaccount:kube-system:namespace-controller", ("system:serviceaccounts",)),
    "other-sa": User("system:serviceaccount:demo-so-khcn:deployer", ("system:serviceaccounts",)),
}
NAMESPACES: dict[str, dict[str, Any] | None] = {
    "tenant": {
        "metadata": {
            "name": "demo-so-khcn",
            "labels": {"provcloud.vn/tenant": "true", "provcloud.vn/agency": "so-khcn"},
        }
    },
    "platform": {"metadata": {"name": "platform-lgsp", "labels": {"provcloud.vn/platform": "true"}}},
    "cluster": None,
}


@pytest.fixture(scope="module")
def demo() -> Province:
    return load_province(project_root() / "provinces" / "demo.yml")


def _judged_versions() -> list[str]:
    """The oldest Kubernetes a catalogue may name, the demo's, and the newest the CEL environment
    knows a library for: a policy must mean the same on each (new functions would be refused on
    the oldest, a changed strings extension would change a message)."""
    newest = max((library.introduced for library in LIBRARIES), key=Version)
    newest_server = f"1.{Version(newest).minor + 1}"  # the server of n compiles in n-1's environment
    demo_version = load_province(project_root() / "provinces" / "demo.yml").platform.kubernetes_version
    return sorted({MINIMUM_KUBERNETES, demo_version, newest_server}, key=Version)


def _policies(province: Province) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    objects = guardrail_objects(province)
    policies = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ValidatingAdmissionPolicy"}
    bindings = {o["spec"]["policyName"]: o for o in objects if o["kind"] == "ValidatingAdmissionPolicyBinding"}
    return {name: (policy, bindings[name]) for name, policy in policies.items()}


def _corpus(name: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((CASES / f"{name}.yml").read_text(encoding="utf-8"))
    assert data["policy"] == name, f"{name}.yml names policy {data['policy']}"
    cases: list[dict[str, Any]] = data["cases"]
    return cases


def _all_cases() -> list[tuple[str, dict[str, Any]]]:
    return [(path.stem, case) for path in sorted(CASES.glob("*.yml")) for case in _corpus(path.stem)]


def test_every_policy_has_a_corpus_that_bites(demo: Province) -> None:
    for name in _policies(demo):
        path = CASES / f"{name}.yml"
        assert path.is_file(), f"policy {name} has no case corpus: add {path.relative_to(project_root())}"
        cases = _corpus(name)
        denied = sum(1 for case in cases if "deny" in case)
        admitted = sum(1 for case in cases if case.get("admit") is True)
        assert denied >= MINIMUM and admitted >= MINIMUM, (
            f"{name}: {denied} cases to deny and {admitted} to admit; at least {MINIMUM} of each"
        )


@pytest.mark.parametrize("version", _judged_versions())
@pytest.mark.parametrize(("policy_name", "case"), _all_cases(), ids=lambda v: v if isinstance(v, str) else v["name"])
def test_case(demo: Province, policy_name: str, case: dict[str, Any], version: str) -> None:
    policy, binding = _policies(demo)[policy_name]
    operation = case.get("operation", "CREATE")
    request = AdmissionRequest(
        operation=operation,
        object=None if operation == "DELETE" else case["object"],
        old_object=case.get("oldObject", case["object"] if operation == "DELETE" else None),
        namespace=NAMESPACES[case.get("namespace", "tenant")],
        user=USERS[case.get("user", "tenant")],
        subresource=case.get("subresource", ""),
    )
    decision = judge(policy, binding, request, version)
    if "deny" in case:
        assert not decision.allowed, f"{policy_name} admitted what it must deny: {case['name']}"
        assert decision.message == case["deny"], f"{policy_name}: {case['name']}: message {decision.message!r}"
    else:
        assert case.get("admit") is True, f"{case['name']}: a case says `deny: <message>` or `admit: true`"
        assert decision.allowed, f"{policy_name} denied what it must admit: {case['name']}: {decision.message}"
        assert not decision.errors, f"{policy_name}: {case['name']}: evaluation errors {decision.errors}"


def test_a_policy_with_a_function_the_api_server_lacks_is_refused_at_evaluation(demo: Province) -> None:
    policy, binding = _policies(demo)["provcloud-no-node-ports"]
    broken = {**policy, "spec": {**policy["spec"], "validations": [{"expression": "[[1]].flatten() == [1]"}]}}
    request = AdmissionRequest(
        "CREATE",
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {}},
        None,
        NAMESPACES["tenant"],
        USERS["tenant"],
    )
    decision = judge(broken, binding, request, demo.platform.kubernetes_version)
    assert not decision.allowed and "flatten" in decision.message


def test_cases_folder_has_no_stray_corpus(demo: Province) -> None:
    stray = {path.stem for path in CASES.glob("*.yml")} - set(_policies(demo))
    assert not stray, f"corpora for policies the stack no longer emits: {sorted(stray)}"
