"""The operator's `Stack` CRD schema (pulumi.com/v1, vendored unedited in schemas/) and the checks the
API server applies to a Stack object: the structural schema, unknown fields refused (as
`kubectl apply --validate=strict` does), and the CRD's CEL rules (`x-kubernetes-validations`).

Regenerate the vendored schema from the operator's CRD (see schemas/README.md):

    .venv/bin/python -m provcloud.operator.crd_schema pulumi.com_stacks.yaml
"""

import json
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from cel_expr_python import cel
from jsonschema import Draft7Validator

SCHEMA_FILE = Path(__file__).parent / "schemas" / "pulumi.com_stacks.v1.json"
VERSION = "v1"
PRESERVE = "x-kubernetes-preserve-unknown-fields"
RULES = "x-kubernetes-validations"


@cache
def stack_schema() -> dict[str, Any]:
    """The `openAPIV3Schema` of the CRD's v1 version."""
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def _strict(schema: Any) -> Any:
    """The schema with unknown fields refused wherever the CRD lists an object's fields and neither
    keeps unknown ones nor says what other keys hold: the API server drops (or, strict, refuses) them,
    so a misspelt `resyncFrequency` would silently do nothing."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {key: value if key in ("enum", "default", "example") else _strict(value) for key, value in schema.items()}
    if isinstance(schema.get("properties"), dict):  # a mapping of field names to schemas, not a schema
        strict["properties"] = {name: _strict(field) for name, field in schema["properties"].items()}
    if "properties" in schema and "additionalProperties" not in schema and not schema.get(PRESERVE):
        strict["additionalProperties"] = False
    return strict


@cache
def _validator() -> Draft7Validator:
    return Draft7Validator(_strict(stack_schema()))


@cache
def _rule_environment() -> cel.Env:
    # A CRD rule names only `self` (and `oldSelf` on updates, which a new object has none of).
    return cel.NewEnv(variables={"self": cel.Type.DYN})


def _rules(schema: dict[str, Any], value: Any, path: str) -> Iterator[str]:
    """Every CEL rule of the schema at `path` that `value` breaks, walking the object with the schema."""
    for rule in schema.get(RULES, []):
        result = _rule_environment().compile(rule["rule"]).eval(data={"self": value})
        if result.type() == cel.Type.ERROR or result.plain_value() is not True:
            yield f"{path or '<object>'}: {rule.get('message', 'fails ' + rule['rule'])} ({rule['rule']})"
    if isinstance(value, dict):
        for key, item in value.items():
            child = schema.get("properties", {}).get(key)
            if child is None and isinstance(schema.get("additionalProperties"), dict):
                child = schema["additionalProperties"]
            if child is not None:
                yield from _rules(child, item, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            yield from _rules(schema["items"], item, f"{path}[{index}]")


def stack_problems(manifest: dict[str, Any]) -> list[str]:
    """What the API server would refuse in this Stack object, each as `path: message`; none: valid."""
    found = [
        f"{'.'.join(str(p) for p in error.absolute_path) or '<object>'}: {error.message}"
        for error in sorted(_validator().iter_errors(manifest), key=lambda e: [str(p) for p in e.absolute_path])
    ]
    return found or list(_rules(stack_schema(), manifest, ""))


def vendor(crd_file: Path) -> None:
    """Write schemas/pulumi.com_stacks.v1.json from the operator's CRD file, unedited."""
    crd = yaml.safe_load(crd_file.read_text(encoding="utf-8"))
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == VERSION]
    text = json.dumps(version["schema"]["openAPIV3Schema"], indent=1, ensure_ascii=False)
    SCHEMA_FILE.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    vendor(Path(sys.argv[1]))
