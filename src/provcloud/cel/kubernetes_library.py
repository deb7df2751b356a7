"""The Kubernetes CEL libraries that a Python CEL runtime lacks, by the Kubernetes version that
introduced them, as read from k8s.io/apiserver `pkg/cel/environment/base.go` (baseOpts):

- always: URLs, Regex, Lists; Strings v0 until 1.28, v2 from 1.29 (cel-go's ext.Strings)
- 1.27 Authz · 1.28 Quantity and optional types · 1.29 Sets · 1.30 IP, CIDR · 1.31 Format
- 1.32 two-variable comprehensions · 1.33 Semver, Image

Declaring exactly these (and no other extension) is what makes an expression the API server would
refuse — cel-go's `flatten()`, `sortBy()`, `distinct()` from ext.Lists, which Kubernetes does not
load — fail to compile here too. The functions provcloud's own policies could need offline have a
Python implementation; the rest compile, and evaluating one says it is not available offline.

What the runtime cannot do at all is listed apart (`UNEVALUABLE`): two-variable comprehensions are
macros of the parser, which cel-expr-python does not expand, so no declaration can add them.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from packaging.version import Version


def _find(text: str, pattern: str) -> str:
    match = re.search(pattern, text)
    return match.group(0) if match else ""


@dataclass(frozen=True)
class LibraryFunction:
    name: str
    arity: int
    """Arguments, the receiver of a member function included."""
    member: bool
    impl: Callable[..., Any] | None = None
    on_list: bool = False
    """Declared on a `list` receiver, not `dyn`: the strings extension declares the same name on
    strings (`indexOf`, `lastIndexOf`), and two `dyn` receivers would be one overload twice."""


@dataclass(frozen=True)
class Library:
    name: str
    introduced: str
    functions: tuple[LibraryFunction, ...]

    def in_version(self, version: str) -> bool:
        return Version(self.introduced) <= Version(version)


def _cel_equal(left: Any, right: Any) -> bool:
    """CEL's equality on plain values: a bool equals only a bool (Python's `True == 1` is true,
    CEL's is false), and lists and maps compare element by element under the same rule."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_cel_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_cel_equal(left[key], right[key]) for key in left)
    return bool(left == right)


def _index_of(items: list[Any], item: Any) -> int:
    return next((index for index, candidate in enumerate(items) if _cel_equal(candidate, item)), -1)


def _last_index_of(items: list[Any], item: Any) -> int:
    found = [index for index, candidate in enumerate(items) if _cel_equal(candidate, item)]
    return found[-1] if found else -1


def _members(*specs: tuple[str, int]) -> tuple[LibraryFunction, ...]:
    return tuple(LibraryFunction(name, arity, True) for name, arity in specs)


def _globals(*specs: tuple[str, int]) -> tuple[LibraryFunction, ...]:
    return tuple(LibraryFunction(name, arity, False) for name, arity in specs)


LIBRARIES: tuple[Library, ...] = (
    Library(
        "lists",
        "1.0",
        (
            LibraryFunction("isSorted", 1, True, lambda items: list(items) == sorted(items)),
            LibraryFunction("sum", 1, True, lambda items: sum(items)),
            LibraryFunction("min", 1, True, lambda items: min(items)),
            LibraryFunction("max", 1, True, lambda items: max(items)),
            LibraryFunction("indexOf", 2, True, _index_of, on_list=True),
            LibraryFunction("lastIndexOf", 2, True, _last_index_of, on_list=True),
        ),
    ),
    Library(
        "regex",
        "1.0",
        (
            LibraryFunction("find", 2, True, _find),
            LibraryFunction("findAll", 2, True, lambda text, pattern: re.findall(pattern, text)),
        ),
    ),
    Library(
        "urls",
        "1.0",
        _globals(("url", 1), ("isURL", 1))
        + _members(
            ("getScheme", 1), ("getHost", 1), ("getHostname", 1), ("getPort", 1), ("getEscapedPath", 1), ("getQuery", 1)
        ),
    ),
    Library(
        "authz",
        "1.27",
        _members(
            ("group", 2),
            ("resource", 2),
            ("subresource", 2),
            ("namespace", 2),
            ("name", 2),
            ("check", 2),
            ("path", 2),
            ("serviceAccount", 3),
            ("allowed", 1),
            ("reason", 1),
            ("errored", 1),
            ("error", 1),
        ),
    ),
    Library(
        "quantity",
        "1.28",
        _globals(("quantity", 1), ("isQuantity", 1))
        + _members(
            ("sign", 1),
            ("isInteger", 1),
            ("asInteger", 1),
            ("asApproximateFloat", 1),
            ("add", 2),
            ("sub", 2),
            ("isGreaterThan", 2),
            ("isLessThan", 2),
            ("compareTo", 2),
        ),
    ),
    Library(
        "sets",
        "1.29",
        (
            LibraryFunction("sets.contains", 2, False, lambda a, b: all(item in a for item in b)),
            LibraryFunction(
                "sets.equivalent", 2, False, lambda a, b: all(i in b for i in a) and all(i in a for i in b)
            ),
            LibraryFunction("sets.intersects", 2, False, lambda a, b: any(item in b for item in a)),
        ),
    ),
    Library(
        "ip",
        "1.30",
        _globals(("ip", 1), ("isIP", 1), ("ip.isCanonical", 1))
        + _members(
            ("family", 1),
            ("isUnspecified", 1),
            ("isLoopback", 1),
            ("isLinkLocalMulticast", 1),
            ("isLinkLocalUnicast", 1),
            ("isGlobalUnicast", 1),
        ),
    ),
    Library(
        "cidr",
        "1.30",
        _globals(("cidr", 1), ("isCIDR", 1))
        + _members(("containsIP", 2), ("containsCIDR", 2), ("masked", 1), ("prefixLength", 1)),
    ),
    Library("format", "1.31", _globals(("format.named", 1)) + _members(("validate", 2))),
    Library(
        "semver", "1.33", _globals(("semver", 1), ("isSemver", 1)) + _members(("major", 1), ("minor", 1), ("patch", 1))
    ),
)

STRINGS_VERSION: tuple[tuple[str, int], ...] = (("1.0", 0), ("1.29", 2))
"""cel-go ext.Strings version by the Kubernetes version that switched to it."""


def strings_version(version: str) -> int:
    return [strings for since, strings in STRINGS_VERSION if Version(since) <= Version(version)][-1]


def libraries(version: str) -> list[Library]:
    return [library for library in LIBRARIES if library.in_version(version)]


@dataclass(frozen=True)
class UnevaluableFeature:
    """A part of the Kubernetes CEL language the Python runtime cannot compile or evaluate."""

    name: str
    introduced: str
    usage: re.Pattern[str]
    """How an expression uses it, looked for only once the runtime has refused the expression."""

    def in_version(self, version: str) -> bool:
        return Version(self.introduced) <= Version(version)


UNEVALUABLE: tuple[UnevaluableFeature, ...] = (
    UnevaluableFeature(
        "two-variable comprehensions (all/exists/existsOne(i, v, ...), transformList, transformMap, transformMapEntry)",
        "1.32",
        re.compile(
            r"\.\s*(?:all|exists|existsOne|exists_one)\s*\(\s*[A-Za-z_]\w*\s*,\s*[A-Za-z_]\w*\s*,"
            r"|\.\s*(?:transformList|transformMap|transformMapEntry)\s*\("
        ),
    ),
)
