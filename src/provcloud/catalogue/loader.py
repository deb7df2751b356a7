"""Load a catalogue file: parse with ruamel.yaml (which keeps positions), validate with the pydantic
schema, then the cross-field rules; every problem is reported with its file, line and column."""

import difflib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from provcloud.catalogue.base import PATTERN_HINTS
from provcloud.catalogue.checks import check_province
from provcloud.catalogue.problem import CatalogueError, FieldPath, LocatedProblem, Problem
from provcloud.catalogue.province import Province


def load_province(file: Path) -> Province:
    """The validated province in `file`; raises CatalogueError listing every problem."""
    tree = _parse(file)
    if not isinstance(tree, CommentedMap):
        raise CatalogueError([LocatedProblem(file, 1, 1, (), "a province file is a mapping of fields")])
    try:
        province = Province.model_validate(tree)
    except ValidationError as error:
        problems = [_from_pydantic(detail) for detail in error.errors()]
        raise CatalogueError([_locate(file, tree, p) for p in problems]) from None
    problems = check_province(province)
    if problems:
        raise CatalogueError([_locate(file, tree, p) for p in problems])
    return province


def _parse(file: Path) -> Any:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogueError([LocatedProblem(file, 1, 1, (), f"cannot read: {error}")]) from None
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise CatalogueError([LocatedProblem(file, line, column, (), f"YAML: {message}")]) from None


def _from_pydantic(detail: ErrorDetails) -> Problem:
    path = tuple(detail["loc"])
    if detail["type"] == "extra_forbidden":
        return Problem(path, _unknown_field_message(path), at_key=True)
    if detail["type"] == "missing":
        return Problem(path, "required field is missing")
    if detail["type"] == "string_pattern_mismatch":
        pattern = str((detail.get("ctx") or {}).get("pattern", ""))
        if pattern in PATTERN_HINTS:
            return Problem(path, f"{detail['input']!r} is not {PATTERN_HINTS[pattern]}")
    return Problem(path, detail["msg"].removeprefix("Value error, "))


def _unknown_field_message(path: FieldPath) -> str:
    allowed = _fields_at(Province, path[:-1])
    message = "unknown field (a typo must not be silently ignored)"
    if allowed:
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1)
        if close:
            message += f"; did you mean {close[0]!r}?"
        message += f" Allowed: {', '.join(allowed)}"
    return message


def _fields_at(annotation: Any, path: FieldPath) -> list[str]:
    """The field names of the model found at `path` from `annotation`, following lists and dicts."""
    for part in path:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    model = _unwrap_model(annotation)
    return list(model.model_fields) if model else []


def _step(annotation: Any, part: str | int) -> Any:
    model = _unwrap_model(annotation)
    if model is not None:
        field = model.model_fields.get(str(part))
        return field.annotation if field else None
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin is list and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    if origin in (typing.Union, types.UnionType) and args:
        return _step(args[0], part)
    return None


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return None


def _locate(file: Path, tree: CommentedMap, problem: Problem) -> LocatedProblem:
    """Walk the parsed tree along the field path; point at the deepest node that exists."""
    node: Any = tree
    line, column = 1, 1
    shown: list[str | int] = []
    for i, part in enumerate(problem.path):
        last = i == len(problem.path) - 1
        if isinstance(node, CommentedMap) and part in node:
            scalar = not isinstance(node[part], CommentedMap | CommentedSeq)
            position = node.lc.value(part) if scalar and not problem.at_key else node.lc.key(part)
            line, column = position[0] + 1, position[1] + 1
            node = node[part]
            shown.append(part)
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            position = node.lc.item(part)
            line, column = position[0] + 1, position[1] + 1
            node = node[part]
            shown.append(part)
        elif last:
            # A missing field: name it, point at the mapping that should hold it.
            shown.append(part)
        elif isinstance(part, str) and part == "[key]":
            continue
        # Otherwise a pydantic union/validator tag that is not in the file: skip it.
    return LocatedProblem(file, line, column, tuple(shown), problem.message)
