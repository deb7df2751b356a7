"""The CEL environment of a ValidatingAdmissionPolicy on a given Kubernetes version, on
cel-expr-python (Google's CEL runtime, the C++ implementation): the standard library, the strings
extension at the version Kubernetes loads, the Kubernetes libraries of that version
(`kubernetes_library`), and the admission variables. Nothing else: an expression using a function
the API server lacks fails to compile, as it would when the policy is created. An expression the
API server would take but this runtime cannot evaluate (`UNEVALUABLE`) is refused too, saying so:
a check that cannot run must not pass."""

from dataclasses import dataclass
from functools import cache
from typing import Any

from cel_expr_python import cel
from cel_expr_python.ext import ext_strings

from provcloud.cel.kubernetes_library import UNEVALUABLE, LibraryFunction, libraries, strings_version

ADMISSION_VARIABLES = ("object", "oldObject", "request", "params", "namespaceObject", "authorizer", "variables")
"""What a ValidatingAdmissionPolicy expression may name (k8s.io/apiserver plugin/policy/validating)."""


@dataclass(frozen=True)
class CompileError:
    expression: str
    reason: str
    server_refuses: bool = True
    """False when the API server would take the expression and only provcloud cannot check it."""


def _declaration(function: LibraryFunction) -> cel.FunctionDecl:
    def refuse(*_: Any) -> Any:
        raise RuntimeError(f"{function.name}() is a Kubernetes CEL function provcloud does not evaluate offline")

    overload = cel.Overload(
        f"k8s_{function.name.replace('.', '_')}_{function.arity}",
        cel.Type.DYN,
        [cel.Type.List(cel.Type.DYN) if function.on_list else cel.Type.DYN] + [cel.Type.DYN] * (function.arity - 1),
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
    # As an extension, not `functions=`: an extension's overloads join those of a name another
    # extension declared (`indexOf` on lists beside the strings extension's on strings).
    return cel.NewEnv(
        variables={name: cel.Type.DYN for name in ADMISSION_VARIABLES},
        extensions=[ext_strings.ExtStrings(strings_version(compatible)), cel.CelExtension("kubernetes", functions)],
    )


@cache
def compile_expression(version: str, expression: str) -> "cel.Expression | CompileError":
    """The compiled expression, or why the API server of `version` would refuse it (compiled once
    per version and text: a province's policies repeat, a country's even more)."""
    try:
        return kubernetes_environment(version).compile(expression)
    except RuntimeError as error:
        reason = str(error).removeprefix("INVALID_ARGUMENT: ").split("\n")[0]
        return _unevaluable(version, expression) or CompileError(expression, reason)


def _unevaluable(version: str, expression: str) -> CompileError | None:
    """Why a refused expression was refused, when it uses what the runtime cannot do at all: the
    runtime's own message ("undeclared reference to 'i'") would hide it."""
    compatible = compatibility_version(version)
    for feature in UNEVALUABLE:
        if not feature.usage.search(expression):
            continue
        if feature.in_version(compatible):
            return CompileError(
                expression,
                f"{feature.name} are accepted by the Kubernetes {version} API server, but provcloud's CEL runtime "
                f"cannot evaluate them, so this check cannot run on `{expression}`; write it with one-variable macros",
                server_refuses=False,
            )
        major, minor = (int(part) for part in feature.introduced.split("."))
        return CompileError(
            expression,
            f"{feature.name} arrived in Kubernetes {feature.introduced}, for new policies from {major}.{minor + 1}; "
            f"the {version} API server refuses `{expression}`",
        )
    return None
