"""The JSON Schemas of province and provider files, generated from the pydantic models (the one
source of truth)."""

import json
from typing import Any

from pydantic import BaseModel

from provcloud.catalogue.provider import Provider
from provcloud.catalogue.province import Province


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def province_json_schema() -> str:
    schema = _schema(Province)
    # A hosted province writes `hosting` and no `platform` (the loader derives it from the provider).
    schema["required"] = [name for name in schema["required"] if name != "platform"]
    schema["oneOf"] = [
        {"required": ["platform"], "not": {"required": ["hosting"]}},
        {"required": ["hosting"], "not": {"required": ["platform"]}},
    ]
    return _text(schema)


def provider_json_schema() -> str:
    return _text(_schema(Provider))


def baseline_json_schema() -> str:
    from provcloud.country.baseline import Baseline  # the country package reads catalogues: no cycle

    return _text(_schema(Baseline))
