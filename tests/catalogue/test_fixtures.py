"""Schema fixtures: every valid one loads; every invalid one fails with exactly the errors it states."""

import os
from pathlib import Path

import pytest

from conftest import ROOT, expected_errors, run_provcloud
from provcloud.catalogue import CatalogueError, load_province

FIXTURES = Path(__file__).parent / "fixtures"
VALID = sorted((FIXTURES / "valid").glob("*.yml"))
INVALID = sorted((FIXTURES / "invalid").glob("*.yml"))


@pytest.mark.parametrize("fixture", VALID, ids=lambda p: p.stem)
def test_valid_fixture_loads(fixture: Path) -> None:
    load_province(fixture)


@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_gives_its_stated_errors(fixture: Path) -> None:
    expected = expected_errors(fixture)
    assert expected, f"{fixture.name} states no `# expect:` line"
    with pytest.raises(CatalogueError) as caught:
        load_province(fixture.relative_to(ROOT))
    assert [str(p) for p in caught.value.problems] == expected


@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem)
def test_validate_command_reports_fixture_without_traceback(fixture: Path) -> None:
    result = run_provcloud("validate", str(fixture.relative_to(ROOT)))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for line in expected_errors(fixture):
        assert line in result.stderr.splitlines(), f"missing in stderr:\n{line}\n---\n{result.stderr}"


def test_validate_shows_the_waivers_in_force() -> None:
    """A reviewer sees who accepted running a level-4 service on one machine, and until when."""
    result = run_provcloud(
        "validate", str((FIXTURES / "valid" / "redundant.yml").relative_to(ROOT)), env={**os.environ, "COLUMNS": "240"}
    )
    assert result.returncode == 0, result.stderr
    row = next((line for line in result.stdout.splitlines() if "docsystem_db" in line and "2099-12-31" in line), "")
    assert "Trần Thị B, Director of the Department of Science and Technology" in row, result.stdout
