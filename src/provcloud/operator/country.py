"""The country's Stack objects: one per province, and one per provider that hosts any of them (its
hosted provinces wait for it), each checked against the operator's CRD schema."""

from typing import Any

from provcloud.catalogue import Province
from provcloud.errors import UserError
from provcloud.operator.crd_schema import stack_problems
from provcloud.operator.stack_object import OperatorSettings, provider_target, province_target, stack_object


def country_stacks(provinces: list[Province], settings: OperatorSettings) -> list[dict[str, Any]]:
    """Providers first, then provinces, each by slug; refuses (naming the object) any the CRD refuses."""
    providers = sorted({p.hosting.provider for p in provinces if p.hosting is not None})
    targets = [
        *(provider_target(slug) for slug in providers),
        *(province_target(p) for p in sorted(provinces, key=lambda p: p.slug)),
    ]
    objects = [stack_object(target, settings) for target in targets]
    refused = [f"Stack {o['metadata']['name']}: {problem}" for o in objects for problem in stack_problems(o)]
    if refused:
        raise UserError("the operator's Stack schema refuses:\n" + "\n".join(refused))
    return objects
