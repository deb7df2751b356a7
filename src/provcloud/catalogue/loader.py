"""Load a catalogue file: parse with libyaml (keeping positions), validate with the pydantic
schema, then the cross-field rules; every problem is reported with its file, line and column."""

import difflib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from yaml.nodes import Node

from provcloud.catalogue.base import PATTERN_HINTS
from provcloud.catalogue.checks import check_province
from provcloud.catalogue.problem import CatalogueError, FieldPath, LocatedProblem, Problem
from provcloud.catalogue.province import Province
from provcloud.catalogue.yaml_source import DuplicateKey, parse, position

M = TypeVar("M", bound=BaseModel)


def load_province(file: Path, text: str | None = None) -> Province:
    """The validated province in `file` (or `text`, reported as `file`); raises CatalogueError
    listing every problem."""
    data, root = _parse(file, text)
    if not isinstance(data, dict) or root is None:
        raise CatalogueError([LocatedProblem(file, 1, 1, (), "a province file is a mapping of fields")])
    # A hosted province's platform comes from its provider's catalogue (catalogue/hosted.py).
    source = None
    if "hosting" in data:
        from provcloud.catalogue.hosted import attach_provider

        source, data = attach_provider(file, root, data)
    try:
        province = Province.model_validate(data)
    except ValidationError as error:
        problems = [_from_pydantic(detail) for detail in error.errors()]
        raise CatalogueError([_locate(file, root, p) for p in _hosted(problems, source is not None)]) from None
    problems = check_province(province)
    if source is not None:
        from provcloud.catalogue.hosted import hosted_problems

        hosted = list(hosted_problems(province, source))
        seen = {p.path for p in hosted}
        problems = [*hosted, *(p for p in _hosted(problems, True) if p.path not in seen)]
    if problems:
        raise CatalogueError([_locate(file, root, p) for p in problems])
    return province


def load_located(model: type[M], file: Path, what: str) -> M:
    """A data file other than a province (the national baseline, ...) validated by its own model, every
    problem with its file, line and column as a province's are; `what` names the file in a message."""
    data, root = _parse(file, None)
    if not isinstance(data, dict) or root is None:
        raise CatalogueError([LocatedProblem(file, 1, 1, (), f"{what} is a mapping of fields")])
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = [_from_pydantic(detail, model) for detail in error.errors()]
        raise CatalogueError([_locate(file, root, p) for p in problems]) from None


def _hosted(problems: list[Problem], hosted: bool) -> list[Problem]:
    """A hosted province writes its derived `platform.*` fields under `hosting`."""
    if not hosted:
        return problems
    return [
        Problem(("hosting", *p.path[1:]), p.message, p.at_key) if p.path[:1] == ("platform",) else p for p in problems
    ]


def _parse(file: Path, text: str | None) -> tuple[Any, Node | None]:
    try:
        if text is None:
            text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogueError([LocatedProblem(file, 1, 1, (), f"cannot read: {error}")]) from None
    try:
        return parse(text)
    except DuplicateKey as error:
        message = f"YAML: duplicate key {error.key!r} (first on line {error.first_line})"
        raise CatalogueError([LocatedProblem(file, error.line, error.column, (), message)]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise CatalogueError([LocatedProblem(file, line, column, (), f"YAML: {message}")]) from None


def _from_pydantic(detail: ErrorDetails, model: type[BaseModel] = Province) -> Problem:
    path = tuple(detail["loc"])
    if detail["type"] == "extra_forbidden":
        return Problem(path, _unknown_field_message(path, model), at_key=True)
    if detail["type"] == "missing":
        return Problem(path, "required field is missing")
    if detail["type"] == "string_pattern_mismatch":
        pattern = str((detail.get("ctx") or {}).get("pattern", ""))
        if pattern in PATTERN_HINTS:
            return Problem(path, f"{detail['input']!r} is not {PATTERN_HINTS[pattern]}")
    return Problem(path, detail["msg"].removeprefix("Value error, "))


def _unknown_field_message(path: FieldPath, model: type[BaseModel]) -> str:
    allowed = _fields_at(model, path[:-1])
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


def _locate(file: Path, root: Node, problem: Problem) -> LocatedProblem:
    path, line, column = position(root, problem.path, problem.at_key)
    return LocatedProblem(file, line, column, path, problem.message)
