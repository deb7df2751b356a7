"""`provcloud country` as a user runs it: every province's result from parallel workers, each
failure with its province and file:line while the others complete, and the result cache — a
second run plans nothing, a changed catalogue or provider re-plans only its provinces."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import run_provcloud
from plan_helpers import project_copy
from provcloud.country import run as country_run
from provcloud.country.cache import CACHE_DIR, shared_key
from provcloud.country.result import ProvinceResult

SMALL = ("demo", "rented-alpha", "rented-beta")
"""Small provinces, two of them hosted on provider qtsc: a run takes seconds."""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return project_copy(tmp_path / "project")


def country(project: Path, *args: str) -> tuple[int, dict[str, dict[str, Any]], str]:
    """Exit code, each province's result by slug (`--format json`), and stderr."""
    result = run_provcloud("country", *SMALL, "--jobs", "2", "--format", "json", *args, cwd=project)
    data = json.loads(result.stdout)
    return result.returncode, {p["slug"]: p for p in data["provinces"]}, result.stderr


def test_parallel_run_returns_every_province(project: Path) -> None:
    code, results, stderr = country(project)
    assert code == 0, stderr
    assert list(results) == list(SMALL), "results in the order the provinces were given"
    for slug, result in results.items():
        assert result["passed"] and result["failures"] == [], f"{slug}: {result['failures']}"
        assert result["cached"] is False, f"{slug}: a first run in a fresh project cannot be cached"
        assert result["tenants"] == result["agencies"] > 0, f"{slug}: one tenant per agency"
    # The same count `provcloud plan demo` gives: INVENTORY["demo"] in tests/stack/test_object_inventory.py.
    assert results["demo"]["objects"] == 87, "the same count `provcloud plan demo` gives"
    assert (results["demo"]["host"], results["rented-alpha"]["host"]) == ("own", "qtsc")
    assert "no SSH key" in results["rented-alpha"]["warnings"][0], "the program's pulumi.log warning is kept"


def test_text_output_without_terminal_is_a_line_per_province_and_a_table(project: Path) -> None:
    result = run_provcloud("country", *SMALL, cwd=project)
    assert result.returncode == 0, result.stderr
    assert "\x1b[" not in result.stdout, "no terminal: no colours, no redrawn bars"
    finished = [line for line in result.stdout.splitlines() if line.startswith("✓ ")]
    assert sorted(line.split(":")[0][2:] for line in finished) == sorted(SMALL)
    assert "3 of 3 provinces pass" in result.stdout
    assert re.search(r"rented-alpha\s+qtsc\s+2\s+2\s+47\s+✓ pass", result.stdout), result.stdout


def _line_of(file: Path, text: str) -> int:
    return next(n for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def test_broken_provinces_fail_the_run_with_file_and_line_and_the_others_complete(project: Path) -> None:
    catalogue = project / "provinces" / "demo.yml"
    catalogue.write_text(
        catalogue.read_text(encoding="utf-8").replace("    tier: large\n", "    tier: gigantic\n", 1), encoding="utf-8"
    )
    stack = project / "stacks" / "platform" / "Pulumi.rented-beta.yaml"
    stack.write_text(stack.read_text(encoding="utf-8") + "  broken: [unclosed\n", encoding="utf-8")

    code, results, stderr = country(project)

    assert code == 1, "a failed province fails the run"
    assert results["rented-alpha"]["passed"] and results["rented-alpha"]["objects"] == 47, "the others complete"
    tier_line = _line_of(catalogue, "tier: gigantic")
    assert re.search(rf"^demo: provinces/demo\.yml:{tier_line}:\d+: agencies\[1\]\.tier: ", stderr, re.M), stderr
    assert re.search(
        r"^rented-beta: .*stacks/platform/Pulumi\.rented-beta\.yaml:\d+:\d+: not valid YAML", stderr, re.M
    ), stderr
    assert "2 of 3 province(s) failed" in stderr


class NoPool:
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("a province was planned although its cache entry is valid")


class Recorder:
    def __init__(self) -> None:
        self.results: list[ProvinceResult] = []

    def start(self) -> None:
        pass

    def phase(self, stem: str, phase: str) -> None:
        pass

    def finished(self, result: ProvinceResult) -> None:
        self.results.append(result)


def test_second_run_plans_nothing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, first, stderr = country(project)
    assert code == 0, stderr
    assert len(list((project / CACHE_DIR).glob("*.json"))) == len(SMALL), "one cache entry per province"

    monkeypatch.setattr(country_run, "ProcessPoolExecutor", NoPool)
    monkeypatch.chdir(project)
    progress = Recorder()
    files = [project / "provinces" / f"{slug}.yml" for slug in SMALL]
    results = country_run.run_country(project, files, 2, progress)
    assert [r.cached for r in results] == [True] * len(SMALL)
    assert [r.objects for r in results] == [first[slug]["objects"] for slug in SMALL], "the cached summary"
    assert all(r.seconds < 0.5 for r in results), [r.seconds for r in results]
    assert [r.planned_seconds for r in results] == [first[slug]["planned_seconds"] for slug in SMALL]

    code, again, _ = country(project)
    assert code == 0 and all(r["cached"] for r in again.values()), "the command reports the cache hits"


@pytest.mark.parametrize(
    ("changed", "replanned"),
    [
        ("provinces/rented-alpha.yml", {"rented-alpha"}),
        ("providers/qtsc.yml", {"rented-alpha", "rented-beta"}),  # the provider of both hosted ones
        ("stacks/platform/Pulumi.demo.yaml", {"demo"}),
    ],
)
def test_a_changed_file_replans_only_the_provinces_that_read_it(
    project: Path, changed: str, replanned: set[str]
) -> None:
    country(project)
    file = project / changed
    file.write_text(file.read_text(encoding="utf-8") + "# reviewed\n", encoding="utf-8")
    _, results, _ = country(project)
    assert {slug for slug, r in results.items() if not r["cached"]} == replanned


def test_no_cache_replans_everything(project: Path) -> None:
    country(project)
    code, results, stderr = country(project, "--no-cache")
    assert code == 0, stderr
    assert not any(r["cached"] for r in results.values())


def test_a_cached_failure_still_fails_the_run(project: Path) -> None:
    catalogue = project / "provinces" / "demo.yml"
    catalogue.write_text(
        catalogue.read_text(encoding="utf-8").replace("    tier: large\n", "    tier: gigantic\n", 1), encoding="utf-8"
    )
    country(project)
    code, results, stderr = country(project)
    assert code == 1 and results["demo"]["cached"], "the failure comes from the cache"
    assert "demo: provinces/demo.yml:" in stderr and "agencies[1].tier" in stderr


def test_shared_files_and_code_are_in_every_key(project: Path, tmp_path: Path) -> None:
    before = shared_key(project)
    assert shared_key(project) == before, "the key is stable"
    policy = next((project / "policies").glob("*.py"))
    policy.write_text(policy.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert shared_key(project) != before, "a change to the policy pack re-plans every province"


def test_jobs_must_be_positive(project: Path) -> None:
    result = run_provcloud("country", "demo", "--jobs", "0", cwd=project)
    assert result.returncode == 1
    assert "--jobs 0: give 1 or more worker processes" in result.stderr
    assert "Traceback" not in result.stderr
