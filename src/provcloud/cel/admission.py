"""A ValidatingAdmissionPolicy and its binding judged as the API server judges a request
(k8s.io/apiserver `plugin/policy/validating`): matchConstraints' resource rules and operations,
the binding's namespace selector, matchConditions, variables in order, then each validation;
`failurePolicy: Fail` turns an evaluation error into a denial. Only what provcloud's policies use
is modelled: resource rules, namespace selectors, no params, no authorizer."""

from dataclasses import dataclass, field
from typing import Any

from cel_expr_python import cel

from provcloud.cel.environment import CompileError, compile_expression
from provcloud.label_selector import selects

Manifest = dict[str, Any]


@dataclass(frozen=True)
class User:
    username: str
    groups: tuple[str, ...]


@dataclass
class AdmissionRequest:
    operation: str
    """CREATE, UPDATE or DELETE."""
    object: Manifest | None
    old_object: Manifest | None
    namespace: Manifest | None
    """The namespace object (name and labels) of a namespaced request."""
    user: User
    subresource: str = ""
    """e.g. `ephemeralcontainers` for `pods/ephemeralcontainers`."""

    @property
    def subject(self) -> Manifest:
        return self.object if self.object is not None else (self.old_object or {})


@dataclass
class Decision:
    allowed: bool
    message: str = ""
    matched: bool = True
    errors: list[str] = field(default_factory=list)


def resource_of(kind: str) -> str:
    """The plural resource name Kubernetes gives a kind (the regular English rules its code uses)."""
    lower = kind.lower()
    if lower.endswith("s"):
        return lower + "es"
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    return lower + "s"


def _resource(request: AdmissionRequest) -> tuple[str, str, str]:
    """The request's group, version and plural resource."""
    group, _, version = str(request.subject.get("apiVersion", "")).rpartition("/")
    return group, version, resource_of(str(request.subject.get("kind", "")))


def _matches_rules(policy: Manifest, request: AdmissionRequest) -> bool:
    group, version, resource = _resource(request)
    if request.subresource:
        resource = f"{resource}/{request.subresource}"
    for rule in policy["spec"]["matchConstraints"]["resourceRules"]:

        def has(key: str, value: str, rule: Manifest = rule) -> bool:
            return "*" in rule.get(key, []) or value in rule.get(key, [])

        if (
            has("apiGroups", group)
            and has("apiVersions", version)
            and has("operations", request.operation)
            and has("resources", resource)
        ):
            return True
    return False


def _matches_namespace(binding: Manifest, request: AdmissionRequest) -> bool:
    selector = (binding["spec"].get("matchResources") or {}).get("namespaceSelector")
    if not selector:
        return True
    if request.namespace is None:
        return False
    return selects(selector, (request.namespace.get("metadata") or {}).get("labels") or {})


def _activation(request: AdmissionRequest, variables: dict[str, Any]) -> dict[str, Any]:
    subject = request.subject
    group, version, resource = _resource(request)
    meta = subject.get("metadata") or {}
    return {
        "object": request.object,
        "oldObject": request.old_object,
        "params": None,
        "namespaceObject": request.namespace,
        "authorizer": None,
        "variables": variables,
        "request": {
            "operation": request.operation,
            "userInfo": {"username": request.user.username, "groups": list(request.user.groups)},
            "kind": {"group": group, "version": version, "kind": subject.get("kind")},
            "resource": {"group": group, "version": version, "resource": resource},
            "subResource": request.subresource,
            "name": meta.get("name", ""),
            "namespace": meta.get("namespace", ""),
        },
    }


class EvaluationError(Exception):
    pass


def evaluate(version: str, expression: str, data: dict[str, Any]) -> Any:
    compiled = compile_expression(version, expression)
    if isinstance(compiled, CompileError):
        raise EvaluationError(f"does not compile: {compiled.reason}")
    try:
        result = compiled.eval(data=data)
    except RuntimeError as error:
        raise EvaluationError(str(error)) from error
    if result.type() == cel.Type.ERROR:
        raise EvaluationError(str(result.value()))
    return result.plain_value()


def judge(policy: Manifest, binding: Manifest, request: AdmissionRequest, version: str) -> Decision:
    """Would the API server of `version` admit `request` under this policy and binding?"""
    if not _matches_rules(policy, request) or not _matches_namespace(binding, request):
        return Decision(allowed=True, matched=False)
    spec = policy["spec"]
    failure_denies = spec.get("failurePolicy", "Fail") == "Fail"
    variables: dict[str, Any] = {}
    data = _activation(request, variables)
    try:
        for condition in spec.get("matchConditions") or []:
            if evaluate(version, condition["expression"], data) is not True:
                return Decision(allowed=True, matched=False)
    except EvaluationError as error:
        return Decision(allowed=not failure_denies, message=f"matchCondition error: {error}", errors=[str(error)])
    errors: list[str] = []
    for variable in spec.get("variables") or []:
        try:
            variables[variable["name"]] = evaluate(version, variable["expression"], data)
        except EvaluationError as error:
            errors.append(f"variables.{variable['name']}: {error}")
        data["variables"] = dict(variables)
    for validation in spec.get("validations") or []:
        try:
            passed = evaluate(version, validation["expression"], data)
        except EvaluationError as error:
            errors.append(f"{validation['expression']}: {error}")
            if failure_denies:
                return Decision(allowed=False, message=f"expression error: {error}", errors=errors)
            continue
        if passed is not True:
            return Decision(allowed=False, message=_message(validation, data, version), errors=errors)
    return Decision(allowed=True, errors=errors)


def _message(validation: Manifest, data: dict[str, Any], version: str) -> str:
    """messageExpression's result; the static message or the expression itself when it fails, as
    the API server falls back."""
    if "messageExpression" in validation:
        try:
            message = evaluate(version, validation["messageExpression"], data)
            if isinstance(message, str) and message.strip():
                return message
        except EvaluationError:
            pass
    return str(validation.get("message") or f"failed expression: {validation['expression']}")
