"""Stack policies judge relations between objects (a namespace and its quota, a group and where it
is bound); each check yields (message, the URN of the object to blame or None)."""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from provcloud_policies._resources import MTB_URL, framework

Finding = tuple[str, str | None]
StackCheck = Callable[[list[PolicyResource], Mapping[str, Any]], Iterable[Finding]]


def stack_policy(
    name: str,
    description: str,
    check: StackCheck,
    benchmark: bool = True,
    config_schema: PolicyConfigSchema | None = None,
) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        for message, urn in check(list(args.resources), args.get_config()):
            report_violation(message, urn)

    return StackValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=EnforcementLevel.MANDATORY,
        config_schema=config_schema,
        framework=framework(name) if benchmark else None,
        url=f"{MTB_URL}/{name}" if benchmark else None,
    )
