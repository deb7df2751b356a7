"""Parse catalogue YAML fast and keep where every value came from.

libyaml (PyYAML's C parser) composes the node tree with line and column marks at C speed — a
4,000-agency province in a few seconds, where a pure-Python parser took twenty. Scalars resolve by
the YAML 1.2 core schema (as ruamel.yaml and modern editors do): `yes`/`no`/`on` stay strings,
`010` is ten, dates stay text. Duplicate keys are errors.
"""

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

try:
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]
except ImportError:  # PyYAML built without libyaml: same results, slower

    class _Parser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)


class _CoreResolver(BaseResolver):
    """YAML 1.2 core schema implicit tags."""


for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
):
    _CoreResolver.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


class _CoreConstructor(SafeConstructor):
    def construct_yaml_int(self, node: Node) -> int:
        text = str(self.construct_scalar(node))  # type: ignore[arg-type]
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)


_CoreConstructor.add_constructor("tag:yaml.org,2002:int", _CoreConstructor.construct_yaml_int)  # type: ignore[type-var]


class _Loader(_Parser, _CoreConstructor, _CoreResolver):
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        _CoreConstructor.__init__(self)
        _CoreResolver.__init__(self)


@dataclass(frozen=True)
class DuplicateKey(Exception):
    key: str
    line: int
    column: int
    first_line: int


def parse(text: str) -> tuple[Any, Node | None]:
    """The plain data and the node tree (for positions). Raises yaml.MarkedYAMLError or DuplicateKey."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        return (_construct(loader, root) if root is not None else None), root
    finally:
        loader.dispose()


def _construct(loader: _Loader, node: Node) -> Any:
    if isinstance(node, MappingNode):
        data: dict[Any, Any] = {}
        lines: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = _construct(loader, key_node)
            if not isinstance(key, str | int | bool | float) and key is not None:
                raise ConstructorError(None, None, "a mapping key must be a plain value", key_node.start_mark)
            if key in data:
                raise DuplicateKey(str(key), key_node.start_mark.line + 1, key_node.start_mark.column + 1, lines[key])
            data[key] = _construct(loader, value_node)
            lines[key] = key_node.start_mark.line + 1
        return data
    if isinstance(node, SequenceNode):
        return [_construct(loader, item) for item in node.value]
    if isinstance(node, ScalarNode):
        return loader.construct_object(node, deep=True)
    raise ConstructorError(None, None, f"unexpected YAML node {type(node).__name__}", node.start_mark)


def position(root: Node, path: tuple[str | int, ...], at_key: bool) -> tuple[tuple[str | int, ...], int, int]:
    """Follow `path` through the node tree as far as it goes: the path found, its line and column.

    A final part that is not in the file (a missing field) is kept in the path; other parts that are
    not in the file (pydantic's union and validator tags) are skipped.
    """
    node: Node = root
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    found: list[str | int] = []
    for i, part in enumerate(path):
        last = i == len(path) - 1
        child: tuple[Node, Node] | None = None
        if isinstance(node, MappingNode):
            child = next(((k, v) for k, v in node.value if isinstance(k, ScalarNode) and k.value == str(part)), None)
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            item = node.value[part]
            child = (item, item)
        if child is not None:
            key_node, value_node = child
            scalar = isinstance(value_node, ScalarNode)
            mark = value_node.start_mark if scalar and not at_key else key_node.start_mark
            line, column = mark.line + 1, mark.column + 1
            node = value_node
            found.append(part)
        elif last:
            found.append(part)
    return tuple(found), line, column
