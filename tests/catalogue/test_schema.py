"""The JSON Schema beside the data is the one generated from the model, and it accepts the data."""

import jsonschema
from ruamel.yaml import YAML

from conftest import ROOT
from provcloud.catalogue.json_schema import province_json_schema
from provcloud.project import catalogue_files

SCHEMA_FILE = ROOT / "provinces" / "schemas" / "province.schema.json"


def test_schema_file_is_in_sync_with_the_model() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == province_json_schema(), (
        "provinces/schemas/province.schema.json is stale: run `provcloud catalogue schema`"
    )


def test_field_reference_is_in_sync_with_the_model() -> None:
    from provcloud.catalogue.reference import catalogue_reference

    reference = ROOT / "docs" / "catalogue-reference.md"
    assert reference.read_text(encoding="utf-8") == catalogue_reference(), (
        "docs/catalogue-reference.md is stale: run `provcloud catalogue schema`"
    )


def test_schema_accepts_every_province_and_names_field_docs() -> None:
    import json

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for file in catalogue_files(ROOT / "provinces"):
        data = YAML(typ="safe").load(file)
        errors = [e.message for e in validator.iter_errors(data)]
        assert not errors, f"{file.name}: {errors[:3]}"
    assert "identifier code" in schema["properties"]["org_code"]["description"]
