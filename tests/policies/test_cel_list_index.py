"""The Kubernetes list library's `indexOf`/`lastIndexOf` (k8s.io/apiserver pkg/cel/library/lists.go,
loaded on every version) evaluate as the API server evaluates them, beside the strings extension's
`indexOf`/`lastIndexOf` on strings, which keep their own meaning."""

from typing import Any

import pytest

from provcloud.cel.admission import evaluate

OBJECT = {"object": {"spec": {"ports": [80, 443, 80], "host": "a.b.a", "flags": [True, False]}}}

CASES: list[tuple[str, str, Any]] = [
    # (Kubernetes version, expression, result)
    ("1.31", "[1, 2, 2, 3].indexOf(2)", 1),
    ("1.31", "[1, 2, 2, 3].lastIndexOf(2)", 2),
    ("1.31", "['a', 'b', 'b', 'c'].lastIndexOf('b')", 2),
    ("1.31", "[1.0].indexOf(1.1)", -1),
    ("1.31", "[].indexOf('string')", -1),
    ("1.31", "[].lastIndexOf('string')", -1),
    ("1.31", "object.spec.ports.indexOf(80)", 0),  # a list known only when evaluated
    ("1.31", "object.spec.ports.lastIndexOf(80)", 2),
    ("1.31", "object.spec.ports.indexOf(8080)", -1),
    ("1.31", "object.spec.flags.indexOf(false)", 1),
    ("1.31", "[true, 1].indexOf(1)", 1),  # CEL's true is not 1, though Python's is
    ("1.31", "[[1], [true]].indexOf([true])", 1),
    ("1.31", "[{'a': 1}, {'a': 2}].indexOf({'a': 2})", 1),
    ("1.24", "[1, 2, 1].lastIndexOf(1)", 2),  # the lists library has no version gate
    # the strings extension's functions of the same names, on strings
    ("1.31", "'a.b.a'.indexOf('a')", 0),
    ("1.31", "'a.b.a'.lastIndexOf('a')", 4),
    ("1.31", "object.spec.host.lastIndexOf('.')", 3),
    ("1.31", "'a.b.a'.indexOf('a', 1)", 4),
    ("1.28", "'a.b.a'.lastIndexOf('b')", 2),  # strings v0
    # the list library's other functions, already declared
    ("1.31", "[1, 2, 3].isSorted()", True),
    ("1.31", "[3, 1].isSorted()", False),
    ("1.31", "object.spec.ports.sum()", 603),
    ("1.31", "object.spec.ports.min()", 80),
    ("1.31", "object.spec.ports.max()", 443),
]


@pytest.mark.parametrize(("version", "expression", "expected"), CASES)
def test_the_api_server_would_find_the_same_index(version: str, expression: str, expected: Any) -> None:
    result = evaluate(version, expression, OBJECT)
    assert result == expected and type(result) is type(expected), f"{expression} gave {result!r}, not {expected!r}"
