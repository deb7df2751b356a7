"""Two-variable comprehensions (cel-go ext.TwoVarComprehensions, in Kubernetes' base environment
from 1.32, so for new policies from 1.33) are macros cel-expr-python cannot expand: an expression
using one is refused on every version, and from 1.33 the refusal says the API server would take
it but provcloud cannot check it — never a silent pass, never a misleading "the server refuses"."""

import pytest

from provcloud.cel.environment import CompileError, compile_expression
from provcloud.plan.admission_check import check_admission_policies
from provcloud.plan.model import PlannedObject

TWO_VARIABLE = [
    "object.spec.ports.all(i, p, p > i)",
    "object.spec.ports.exists(i, p, i == 0 && p == 80)",
    "object.spec.ports.existsOne(i, p, p == 80)",
    "object.spec.ports.transformList(i, p, p * 2) == []",
    "object.metadata.labels.transformMap(k, v, v + '-x') == {}",
    "object.metadata.labels.transformMapEntry(k, v, {v: k}) == {}",
]


def _refusal(version: str, expression: str) -> CompileError:
    result = compile_expression(version, expression)
    assert isinstance(result, CompileError), f"{expression} compiled on {version}: a check that cannot run passed"
    return result


@pytest.mark.parametrize("expression", TWO_VARIABLE)
def test_from_1_33_provcloud_says_it_cannot_check_them(expression: str) -> None:
    refusal = _refusal("1.33", expression)
    assert not refusal.server_refuses
    assert "are accepted by the Kubernetes 1.33 API server, but provcloud's CEL runtime cannot evaluate them" in (
        refusal.reason
    )
    assert f"`{expression}`" in refusal.reason


@pytest.mark.parametrize("expression", TWO_VARIABLE)
def test_before_1_33_the_api_server_refuses_them(expression: str) -> None:
    refusal = _refusal("1.32", expression)
    assert refusal.server_refuses
    expected = f"arrived in Kubernetes 1.32, for new policies from 1.33; the 1.32 API server refuses `{expression}`"
    assert refusal.reason.endswith(expected), refusal.reason


@pytest.mark.parametrize(
    "expression",
    ["object.spec.ports.all(p, p > 0)", "object.spec.ports.exists(p, p == 80)", "[1, 2].exists_one(x, x == 1)"],
)
def test_one_variable_macros_still_compile(expression: str) -> None:
    assert not isinstance(compile_expression("1.33", expression), CompileError)


def test_the_plan_names_the_policy_and_says_the_check_cannot_run() -> None:
    policy = PlannedObject(
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicy",
        "ports",
        None,
        "urn:ports",
        {"spec": {"validations": [{"expression": "object.spec.ports.all(i, p, p > i)"}]}},
    )
    errors, _ = check_admission_policies([policy], "1.33")
    said = [str(error) for error in errors]
    assert len(said) == 1 and "ValidatingAdmissionPolicy ports" in said[0], said
    assert "spec.validations[0].expression: provcloud cannot check this CEL: two-variable comprehensions" in said[0]
    assert "would refuse" not in said[0]
