"""Drift: every way a province falls short of the national baseline, each one named — the province,
what, what the baseline expects, what the province has, and the catalogue line to change where the
value is written there (a value left to its default has no line: the catalogue must add it)."""

from dataclasses import asdict, dataclass
from typing import Any

from provcloud.catalogue.problem import FieldPath, render_path
from provcloud.catalogue.quantity import parse_quantity
from provcloud.country.baseline import Baseline
from provcloud.country.profile import ProvinceProfile, QuotaFacts


@dataclass(frozen=True)
class Deviation:
    province: str
    what: str
    expected: str
    actual: str
    field: str
    """The catalogue field (`quota_tiers.large.cpu`) the deviation is about."""
    file: str
    line: int | None = None
    waived: str | None = None
    """The catalogue's documented reason, when it declares a waiver for it: still a deviation."""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else f"{self.file} ({self.field}: not written, default)"

    def __str__(self) -> str:
        text = f"{self.province}: {self.what}: expected {self.expected}, actual {self.actual} ({self.where})"
        return text + (f" — waived: {self.waived}" if self.waived else "")

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "where": self.where}


class _Finder:
    def __init__(self, slug: str, file: str, profile: ProvinceProfile) -> None:
        self.slug, self.file, self.profile = slug, file, profile
        self.found: list[Deviation] = []

    def add(self, what: str, expected: str, actual: str, path: FieldPath, waived: str | None = None) -> None:
        field = render_path(path)
        line = self.profile.lines.get(field)
        if line is None and len(path) > 1:
            line = self.profile.lines.get(render_path(path[:-1]))  # at least the block it belongs in
        self.found.append(Deviation(self.slug, what, expected, actual, field, self.file, line, waived))


def _controls(find: _Finder, baseline: Baseline) -> None:
    profile = find.profile
    for level, minimum in sorted(baseline.levels.items()):
        for name, have, want in (
            ("log retention", profile.log_retention_days, minimum.min_log_retention_days),
            ("backup retention", profile.backup_retention_days, minimum.min_backup_retention_days),
        ):
            if have[level] < want:
                field = "log_retention_days" if name == "log retention" else "backup_retention_days"
                find.add(
                    f"{name} at level {level}",
                    f"≥ {want} days",
                    f"{have[level]} days",
                    ("security_controls", field, level),
                )
    restricted = [level for level, minimum in baseline.levels.items() if minimum.egress_restricted]
    if restricted and profile.egress_restricted_from_level > min(restricted):
        find.add(
            "tenant egress restricted from level",
            f"level {min(restricted)} or lower",
            f"level {profile.egress_restricted_from_level}",
            ("security_controls", "egress_restricted_from_level"),
        )


def _quota(find: _Finder, baseline: Baseline) -> None:
    ceiling = baseline.max_quota_tier
    for tier, quota in find.profile.quota_tiers.items():
        for field in QuotaFacts.model_fields:
            have, most = getattr(quota, field), getattr(ceiling, field)
            over = have > most if isinstance(have, int) else parse_quantity(have) > parse_quantity(most)
            if over:
                find.add(f"quota tier {tier}: {field}", f"≤ {most}", str(have), ("quota_tiers", tier, field))


def _machines(find: _Finder, baseline: Baseline) -> None:
    profile = find.profile
    for required in baseline.required_roles:
        if not profile.machines_of(str(required)):
            find.add(f"service machine {required}", "at least 1 machine", "none", ("service_machines",))
    for role in dict.fromkeys(machine.role for machine in profile.machines):
        machines = profile.machines_of(role)
        level = max(machine.security_level for machine in machines)
        wanted = {str(r): n for r, n in baseline.levels[level].min_machines.items()}.get(role, 1)
        if len(machines) < wanted:
            last = profile.machines.index(machines[-1])
            find.add(
                f"redundancy of {role} (level {level})",
                f"{wanted} machines",
                f"{len(machines)} machine{'s' if len(machines) != 1 else ''}",
                ("service_machines", last),
                waived=profile.redundancy_waivers.get(role),
            )


def drift_of(slug: str, file: str, profile: ProvinceProfile, baseline: Baseline) -> list[Deviation]:
    """Every deviation of the province from the baseline, in the order of the baseline's sections."""
    find = _Finder(slug, file, profile)
    _controls(find, baseline)
    _quota(find, baseline)
    _machines(find, baseline)
    return find.found
