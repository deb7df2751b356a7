"""The plan's admission policies compiled as the API server of the catalogue's Kubernetes version
compiles them when the policy is created (provcloud.cel): an expression it would refuse fails the
plan, naming the policy, the field and the reason, instead of failing `pulumi up` on the cluster."""

from collections.abc import Iterator
from typing import Any

from provcloud.cel.environment import CompileError, compile_expression
from provcloud.plan.model import PlannedObject, SchemaError

POLICY_KIND = ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy")
CONSUMER = "CEL (cel-expr-python with the Kubernetes {version} function set)"


def expressions(policy: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every CEL expression of a policy with its field path."""
    spec = policy.get("spec") or {}
    for section, keys in (
        ("matchConditions", ("expression",)),
        ("variables", ("expression",)),
        ("validations", ("expression", "messageExpression")),
        ("auditAnnotations", ("valueExpression",)),
    ):
        for index, entry in enumerate(spec.get(section) or []):
            for key in keys:
                if key in entry:
                    yield f"spec.{section}[{index}].{key}", entry[key]


def check_admission_policies(objects: list[PlannedObject], version: str) -> tuple[list[SchemaError], str]:
    """The refusals, and a line saying how many expressions were compiled, by what."""
    errors: list[SchemaError] = []
    count = 0
    for obj in objects:
        if (obj.api_version, obj.kind) != POLICY_KIND:
            continue
        for path, expression in expressions(obj.manifest):
            count += 1
            compiled = compile_expression(version, expression)
            if isinstance(compiled, CompileError):
                errors.append(
                    SchemaError(
                        obj.display,
                        path,
                        f"the Kubernetes {version} API server would refuse this CEL: {compiled.reason}"
                        if compiled.server_refuses
                        else f"provcloud cannot check this CEL: {compiled.reason}",
                    )
                )
    return errors, f"{count} CEL expression(s) compiled by {CONSUMER.format(version=version)}"
