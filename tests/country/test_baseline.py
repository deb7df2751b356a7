"""The national baseline: its JSON Schema beside it is the one generated from its model and accepts
it; a baseline that contradicts the schema is refused with file:line:col and field, exit 1, no
traceback (each fixture of baselines/ states the errors it must give)."""

import json
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from conftest import ROOT, expected_errors
from provcloud.catalogue import CatalogueError
from provcloud.catalogue.json_schema import baseline_json_schema
from provcloud.country.baseline import load_baseline
from provcloud.project import BASELINE_FILE

BASELINE = ROOT / "provinces" / BASELINE_FILE
SCHEMA_FILE = ROOT / "provinces" / "schemas" / "baseline.schema.json"
BAD = sorted((Path(__file__).parent / "baselines").glob("*.yml"))


def test_schema_file_is_in_sync_with_the_model() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == baseline_json_schema(), (
        "provinces/schemas/baseline.schema.json is stale: run `provcloud catalogue schema`"
    )


def test_the_baseline_loads_and_its_schema_accepts_it() -> None:
    baseline = load_baseline(BASELINE)
    assert sorted(baseline.levels) == [1, 2, 3, 4, 5]
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    errors = [error.message for error in validator.iter_errors(YAML(typ="safe").load(BASELINE))]
    assert not errors, f"{BASELINE_FILE}: {errors[:3]}"
    first_line = BASELINE.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=schemas/baseline.schema.json"


@pytest.mark.parametrize("fixture", BAD, ids=lambda p: p.stem)
def test_bad_baseline_gives_its_stated_errors(fixture: Path) -> None:
    expected = expected_errors(fixture)
    assert expected, f"{fixture.name} states no `# expect:` line"
    with pytest.raises(CatalogueError) as caught:
        load_baseline(fixture.relative_to(ROOT))
    assert [str(problem) for problem in caught.value.problems] == expected
