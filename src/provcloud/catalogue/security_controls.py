"""Controls that depend on a security level (Decree 85/2016): settings with defaults, not constants,
because the Cybersecurity Law 116/2025 brings new level rules in 2026."""

from typing import Annotated, TypeVar

from pydantic import Field, field_validator

from provcloud.catalogue.base import CatalogueModel, SecurityLevel

LEVELS = (1, 2, 3, 4, 5)
V = TypeVar("V")
PerLevel = Annotated[dict[SecurityLevel, Annotated[int, Field(ge=1)]], Field(min_length=5)]


class SecurityControls(CatalogueModel):
    """Per-level settings (Decree 85/2016 levels 1–5), with defaults a province may override."""

    log_retention_days: PerLevel = Field(default_factory=lambda: {1: 30, 2: 30, 3: 90, 4: 180, 5: 365})
    """Minimum security-log retention per level (days)."""
    backup_retention_days: PerLevel = Field(default_factory=lambda: {1: 7, 2: 14, 3: 30, 4: 90, 5: 180})
    """Backup retention per level (days)."""
    egress_restricted_from_level: SecurityLevel = 3
    """From this level a tenant's egress must stay restricted (default deny + named exceptions)."""

    @field_validator("log_retention_days", "backup_retention_days")
    @classmethod
    def _every_level(cls, value: dict[int, int]) -> dict[int, int]:
        return every_level(value)


def every_level(value: dict[int, V]) -> dict[int, V]:
    """A per-level setting names every level 1–5 (a missing one would silently ask nothing)."""
    missing = [level for level in LEVELS if level not in value]
    if missing:
        raise ValueError(f"needs a value for every level 1–5; missing {missing}")
    return value
