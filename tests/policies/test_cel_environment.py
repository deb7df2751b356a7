"""The CEL environment is the API server's of the catalogue's version: the functions it has, at the
compatibility version it compiles new policies with (n-1), and none it lacks."""

import pytest

from provcloud.cel.environment import CompileError, compile_expression

CASES = [
    # (Kubernetes version, expression, compiles?)
    ("1.31", "object.metadata.name.lowerAscii() == 'x'", True),  # strings extension v2
    ("1.31", "[[1], [2]].flatten() == [1, 2]", False),  # cel-go ext.Lists: never loaded
    ("1.31", "object.spec.hosts.sortBy(h, h) == []", False),
    ("1.31", "sets.contains(['a', 'b'], ['a'])", True),  # sets since 1.29
    ("1.28", "sets.contains(['a', 'b'], ['a'])", False),
    ("1.31", "ip('10.0.0.1').family() == 4", True),  # IP library since 1.30, so new on 1.31
    ("1.30", "ip('10.0.0.1').family() == 4", False),  # introduced in 1.30: not yet for new policies
    ("1.32", "format.named('dns1123Label') != null", True),  # format library since 1.31
    ("1.31", "format.named('dns1123Label') != null", False),
    ("1.31", "object.x.isSorted()", True),  # lists library, always
]


@pytest.mark.parametrize(("version", "expression", "compiles"), CASES)
def test_the_api_server_of_that_version_would_compile_it(version: str, expression: str, compiles: bool) -> None:
    result = compile_expression(version, expression)
    assert (not isinstance(result, CompileError)) is compiles, getattr(result, "reason", "compiled")
