"""Drift as a table: for a catalogue and a baseline, the deviations a person reads in the report —
what, expected, actual and where (the catalogue line when the value is written there)."""

from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from country_helpers import unplanned_result
from provcloud.country.baseline import Baseline, load_baseline
from provcloud.country.drift import drift_of

BASELINE = load_baseline(ROOT / "provinces" / "baseline.yml")
DANANG = ROOT / "provinces" / "danang.yml"
REDUNDANT = ROOT / "tests" / "catalogue" / "fixtures" / "valid" / "redundant.yml"


def stricter(**levels: dict[str, Any]) -> dict[str, Any]:
    """A change to the baseline's levels: `{"3": {"min_log_retention_days": 100}}`."""
    changed = {
        level: BASELINE.levels[level].model_copy(update=levels.get(f"level{level}", {})) for level in BASELINE.levels
    }
    return {"levels": changed}


def line_of(file: Path, text: str) -> int:
    return next(n for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1) if text in line)


LARGE_TIER = line_of(DANANG, 'large: {cpu: "16"')
"""danang's large quota tier (its instance type `large` comes first in the file)."""

CASES: list[tuple[str, Path, dict[str, Any], list[tuple[str, str, str, str]]]] = [
    ("danang holds the national baseline", DANANG, {}, []),
    (
        "a longer log retention than the default danang keeps",
        DANANG,
        stricter(level3={"min_log_retention_days": 100}),
        [
            (
                "log retention at level 3",
                "≥ 100 days",
                "90 days",
                "provinces/danang.yml (security_controls.log_retention_days[3]: not written, default)",
            )
        ],
    ),
    (
        "backups of level 4 kept longer",
        DANANG,
        stricter(level4={"min_backup_retention_days": 120}),
        [
            (
                "backup retention at level 4",
                "≥ 120 days",
                "90 days",
                "provinces/danang.yml (security_controls.backup_retention_days[4]: not written, default)",
            )
        ],
    ),
    (
        "egress restricted from level 2",
        DANANG,
        stricter(level2={"egress_restricted": True}),
        [
            (
                "tenant egress restricted from level",
                "level 2 or lower",
                "level 3",
                "provinces/danang.yml (security_controls.egress_restricted_from_level: not written, default)",
            )
        ],
    ),
    (
        "a smaller quota ceiling than danang's large tier",
        DANANG,
        {"max_quota_tier": BASELINE.max_quota_tier.model_copy(update={"cpu": "8", "vms": 4})},
        [
            ("quota tier large: cpu", "≤ 8", "16", f"provinces/danang.yml:{LARGE_TIER}"),
            ("quota tier large: vms", "≤ 4", "8", f"provinces/danang.yml:{LARGE_TIER}"),
        ],
    ),
    (
        "a database pair from level 3",
        DANANG,
        stricter(level3={"min_machines": {"lgsp_node": 2, "docsystem_db": 2}}),
        [
            (
                "redundancy of docsystem_db (level 3)",
                "2 machines",
                "1 machine",
                f"provinces/danang.yml:{line_of(DANANG, 'name: docsys-db-01')}",
            )
        ],
    ),
    (
        "a waived database pair and no backup machine",
        REDUNDANT,
        {},
        [
            (
                "service machine backup",
                "at least 1 machine",
                "none",
                f"tests/catalogue/fixtures/valid/redundant.yml:{line_of(REDUNDANT, 'name: lgsp-01')}",
            ),
            (
                "redundancy of docsystem_db (level 4)",
                "2 machines",
                "1 machine",
                f"tests/catalogue/fixtures/valid/redundant.yml:{line_of(REDUNDANT, 'name: docsys-db-01')}",
            ),
        ],
    ),
]


@pytest.mark.parametrize(("case", "catalogue", "change", "expected"), CASES, ids=[case[0] for case in CASES])
def test_drift(case: str, catalogue: Path, change: dict[str, Any], expected: list[tuple[str, ...]]) -> None:
    result = unplanned_result(catalogue)
    assert result.profile is not None
    baseline = Baseline.model_validate({**BASELINE.model_dump(), **change})
    found = drift_of(result.slug, result.file, result.profile, baseline)
    assert [(d.what, d.expected, d.actual, d.where) for d in found] == expected, case


def test_a_waiver_is_shown_with_its_deviation() -> None:
    result = unplanned_result(REDUNDANT)
    assert result.profile is not None
    (waived,) = [d for d in drift_of(result.slug, result.file, result.profile, BASELINE) if d.waived]
    assert waived.waived is not None and "budgeted for 2027" in waived.waived
    assert str(waived).endswith(f"— waived: {waived.waived}")
