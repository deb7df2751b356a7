"""What changes between two plans: objects added, removed, and changed with a field-level diff."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from provcloud.plan.model import PlannedObject

MISSING = "(absent)"


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ChangedObject:
    object: PlannedObject
    fields: list[FieldChange]


@dataclass
class PlanDiff:
    added: list[PlannedObject] = field(default_factory=list)
    changed: list[ChangedObject] = field(default_factory=list)
    removed: list[PlannedObject] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def as_json(self) -> dict[str, Any]:
        return {
            "added": [o.summary() for o in self.added],
            "changed": [
                {
                    **c.object.summary(),
                    "fields": [{"path": f.path, "before": f.before, "after": f.after} for f in c.fields],
                }
                for c in self.changed
            ],
            "removed": [o.summary() for o in self.removed],
        }


def field_changes(before: Any, after: Any, path: str = "") -> Iterator[FieldChange]:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            child = f"{path}.{key}" if path else str(key)
            if key not in before:
                yield FieldChange(child, MISSING, after[key])
            elif key not in after:
                yield FieldChange(child, before[key], MISSING)
            else:
                yield from field_changes(before[key], after[key], child)
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            yield from field_changes(old, new, f"{path}[{index}]")
    elif before != after:
        yield FieldChange(path, before, after)


def diff_plans(before: list[PlannedObject], after: list[PlannedObject]) -> PlanDiff:
    old = {o.key: o for o in before}
    new = {o.key: o for o in after}
    result = PlanDiff(
        added=[o for key, o in new.items() if key not in old],
        removed=[o for key, o in old.items() if key not in new],
    )
    for key, obj in new.items():
        if key in old and old[key].manifest != obj.manifest:
            result.changed.append(ChangedObject(obj, list(field_changes(old[key].manifest, obj.manifest))))
    return result
