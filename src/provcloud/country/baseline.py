"""The national baseline (`provinces/baseline.yml`): what every province's platform must at least hold,
set by the body that oversees them all. A province that falls short drifts; `provcloud country report`
names every deviation (drift.py). Validated by its own JSON Schema, generated from this model."""

from pathlib import Path

from pydantic import Field, field_validator

from provcloud.catalogue.base import CatalogueModel, NameText, SecurityLevel
from provcloud.catalogue.loader import load_located
from provcloud.catalogue.quantity import Quantity
from provcloud.catalogue.security_controls import every_level
from provcloud.catalogue.service_machine import MachineRole


class LevelBaseline(CatalogueModel):
    """What a province must hold for the tenants and machines of one security level (Decree 85/2016)."""

    min_log_retention_days: int = Field(ge=1)
    """The shortest security-log retention a province may set for the level (`security_controls`)."""
    min_backup_retention_days: int = Field(ge=1)
    """The shortest backup retention a province may set for the level."""
    egress_restricted: bool
    """Tenants of this level must have restricted egress: the province's `egress_restricted_from_level`
    must be this level or lower."""
    min_machines: dict[MachineRole, int] = Field(default_factory=dict)
    """Redundancy: the fewest machines each role must run on when its machines are at this level (the
    highest level among them); a role not named here asks for none beyond `required_roles`."""

    @field_validator("min_machines")
    @classmethod
    def _at_least_one(cls, value: dict[MachineRole, int]) -> dict[MachineRole, int]:
        low = [str(role) for role, count in value.items() if count < 1]
        if low:
            raise ValueError(f"a minimum of machines is 1 or more; {', '.join(low)} asks for fewer")
        return value


class QuotaCeiling(CatalogueModel):
    """The most any one quota tier of a province may hand a tenant."""

    cpu: Quantity
    """Total CPU requests of a tier, e.g. `16`."""
    memory: Quantity
    """Total memory requests of a tier, e.g. `64Gi`."""
    storage: Quantity
    """Total persistent storage of a tier, e.g. `2Ti`."""
    pods: int = Field(ge=0)
    vms: int = Field(ge=0)
    """KubeVirt VirtualMachines of a tier."""


class Baseline(CatalogueModel):
    """The national baseline every province is compared with."""

    name: NameText
    """What the baseline is, as the report titles it, e.g. `National baseline 2026`."""
    levels: dict[SecurityLevel, LevelBaseline]
    """The minimums of each security level 1–5."""
    max_quota_tier: QuotaCeiling
    """No quota tier of a province may exceed this."""
    required_roles: list[MachineRole] = Field(min_length=1)
    """Service machine roles every province must run at least one machine of."""

    @field_validator("levels")
    @classmethod
    def _every_level(cls, value: dict[int, LevelBaseline]) -> dict[int, LevelBaseline]:
        return every_level(value)


def load_baseline(file: Path) -> Baseline:
    """The baseline in `file`; a CatalogueError names each problem's file:line:col and field."""
    return load_located(Baseline, file, "the national baseline")
