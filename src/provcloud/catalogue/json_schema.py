"""The JSON Schema of province files, generated from the pydantic model (the one source of truth)."""

import json

from provcloud.catalogue.province import Province


def province_json_schema() -> str:
    schema = Province.model_json_schema(mode="validation")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
