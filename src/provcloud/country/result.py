"""What `provcloud country` keeps of one province's plan: the summary a person compares across
provinces, and every failure with the file (and line, where the problem has one) it comes from."""

from dataclasses import dataclass, field, fields
from typing import Any

from provcloud.country.profile import ProvinceProfile

OWN_CLUSTER = "own"


@dataclass
class ProvinceResult:
    slug: str
    """The catalogue's file name without `.yml` (its slug when the file could not be read)."""
    file: str
    """The catalogue as the user knows its path."""
    host: str = OWN_CLUSTER
    """`own` (its own cluster), or the provider a hosted province runs on."""
    agencies: int | None = None
    tenants: int | None = None
    objects: int | None = None
    failures: list[str] = field(default_factory=list)
    """Each `file:line:col: field: message` for a catalogue problem, `file: object: path: message`
    for an object the schema or a consumer refused, `file: policy: message` for a violation."""
    warnings: list[str] = field(default_factory=list)
    """The plan's warnings, and what the stack program wrote to stderr (`pulumi.log.warn`)."""
    advisory: int = 0
    """Advisory policy violations: reported, not failing."""
    skipped_checks: int = 0
    """Consumer checks that could not run here (cloud-init not installed, ...)."""
    seconds: float = 0.0
    """Wall time this run spent on the province: planning it, or reading its cache entry."""
    planned_seconds: float = 0.0
    """Wall time of the plan the result comes from (for a cached result: when it was planned)."""
    cached: bool = False
    internal_error: bool = False
    """The planning code crashed: a bug, never cached."""
    profile: ProvinceProfile | None = None
    """What the report and the picture show of it (None when its catalogue did not load or plan)."""

    @property
    def passed(self) -> bool:
        return not self.failures

    def as_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "profile"}
        profile = self.profile.model_dump(mode="json") if self.profile is not None else None
        return {**data, "profile": profile, "passed": self.passed}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ProvinceResult":
        known = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        if known.get("profile") is not None:
            known["profile"] = ProvinceProfile.model_validate(known["profile"])
        return cls(**known)
