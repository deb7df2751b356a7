"""The CEL environment of a ValidatingAdmissionPolicy on a given Kubernetes version, on
cel-expr-python (Google's CEL runtime, the C++ implementation): the standard library, the strings
extension at the version Kubernetes loads, the Kubernetes libraries of that version
(`kubernetes_library`), and the admission variables. Nothing else: an expression using a function
the API server lacks fails to compile, as it would when the policy is created."""

from dataclasses import dataclass
from functools import cache
from typing import Any

from cel_expr_python import cel
from cel_expr_python.ext import ext_strings

from provcloud.cel.kubernetes_library import LibraryFunction, libraries, strings_version

ADMISSION_VARIABLES = ("object", "oldObject", "request", "params", "namespaceObject", "authorizer", "variables")
"""What a ValidatingAdmissionPolicy expression may name (k8s.io/apiserver plugin/policy/validating)."""


@dataclass(frozen=True)
class CompileError:
    expression: str
    reason: str


def _declaration(function: LibraryFunction) -> cel.FunctionDecl:
    def refuse(*_: Any) -> Any:
        raise RuntimeError(f"{function.name}() is a Kubernetes CEL function provcloud does not evaluate offline")

    overload = cel.Overload(
        f"k8s_{function.name.replace('.', '_')}_{function.arity}",
        cel.Type.DYN,
        [cel.Type.DYN] * function.arity,
        function.member,
        function.impl or refuse,
    )
    return cel.FunctionDecl(function.name, [overload])


def compatibility_version(version: str) -> str:
    """The CEL environment a server of `version` compiles *new* expressions in: that of the previous
    minor release (apiserver's DefaultCompatibilityVersion, n-1), so that a rollback one release
    still understands every stored policy. A function introduced in 1.31 is refused on 1.31."""
    major, minor = (int(part) for part in version.split("."))
    return f"{major}.{max(minor - 1, 0)}"


@cache
def kubernetes_environment(version: str) -> cel.Env:
    compatible = compatibility_version(version)
    functions = [_declaration(f) for library in libraries(compatible) for f in library.functions]
    return cel.NewEnv(
        variables={name: cel.Type.DYN for name in ADMISSION_VARIABLES},
        extensions=[ext_strings.ExtStrings(strings_version(compatible))],
        functions=functions,
    )


@cache
def compile_expression(version: str, expression: str) -> "cel.Expression | CompileError":
    """The compiled expression, or why the API server of `version` would refuse it (compiled once
    per version and text: a province's policies repeat, a country's even more)."""
    try:
        return kubernetes_environment(version).compile(expression)
    except RuntimeError as error:
        reason = str(error).removeprefix("INVALID_ARGUMENT: ").split("\n")[0]
        return CompileError(expression, reason)
