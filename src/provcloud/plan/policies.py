"""Run the project's CrossGuard policy pack (`policies/`) offline on the captured resources — the same
policy objects `pulumi preview --policy-pack policies/` loads in the field."""

import asyncio
import importlib
import inspect
import sys
from collections.abc import Awaitable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from provcloud.catalogue import Province
from provcloud.errors import UserError
from provcloud.plan.capture import CapturedResource
from provcloud.plan.model import Violation

PACKAGE = "provcloud_policies"


def load_policies(pack_dir: Path) -> tuple[list[ResourceValidationPolicy | StackValidationPolicy], EnforcementLevel]:
    """The pack's policies; its folder goes on the import path as `pulumi` would run it."""
    if not (pack_dir / PACKAGE / "__init__.py").is_file():
        raise UserError(f"{pack_dir}: no policy pack here (expected {PACKAGE}/__init__.py)")
    if str(pack_dir) not in sys.path:
        sys.path.insert(0, str(pack_dir))
    module = importlib.import_module(PACKAGE)
    if Path(module.__file__ or "").resolve().parent != (pack_dir / PACKAGE).resolve():
        # Another project's pack was loaded earlier in this process: load this one instead.
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]
        sys.path.remove(str(pack_dir))
        sys.path.insert(0, str(pack_dir))
        module = importlib.import_module(PACKAGE)
    return list(module.POLICIES), EnforcementLevel.MANDATORY


def policy_config(province: Province) -> dict[str, dict[str, Any]]:
    """Policy config from the catalogue (what `--policy-pack-config` carries in the field)."""
    controls = province.security_controls
    return {
        "restrict_tenant_egress": {"egressRestrictedFromLevel": controls.egress_restricted_from_level},
        "log_retention": {
            "logRetentionDays": {str(level): days for level, days in controls.log_retention_days.items()}
        },
        "hosted_namespaces_only": {
            "hostedBy": province.hosting.provider if province.hosting else "",
            "province": province.slug,
        },
    }


def _defaults(policy: ResourceValidationPolicy | StackValidationPolicy) -> dict[str, Any]:
    schema = policy.config_schema
    if schema is None:
        return {}
    return {key: spec["default"] for key, spec in schema.properties.items() if "default" in spec}


def _options(resource: CapturedResource) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=resource.parent or None,
    )


def _settle(result: Awaitable[Any] | None) -> None:
    if result is not None and inspect.isawaitable(result):
        asyncio.run(_await(result))


async def _await(result: Awaitable[Any]) -> None:
    await result


def run_policies(
    pack_dir: Path, resources: list[CapturedResource], config: Mapping[str, Mapping[str, Any]]
) -> list[Violation]:
    policies, pack_level = load_policies(pack_dir)
    custom = [r for r in resources if r.custom]
    by_urn = {r.urn: r for r in custom}
    violations: list[Violation] = []

    def reporter(policy: ResourceValidationPolicy | StackValidationPolicy, default_urn: str | None) -> Any:
        level = (policy.enforcement_level or pack_level).value

        def report(message: str, urn: str | None = None) -> None:
            target = urn or default_urn
            resource = by_urn.get(target) if target else None
            violations.append(Violation(policy.name, _name(resource) if resource else "(stack)", message, level))

        return report

    stack_resources = list(_policy_resources(custom))
    options = {r.urn: _options(r) for r in custom}
    for policy in policies:
        if (policy.enforcement_level or pack_level) is EnforcementLevel.DISABLED:
            continue
        config_for = {**_defaults(policy), **config.get(policy.name, {})}
        if isinstance(policy, ResourceValidationPolicy):
            for resource in custom:
                args = ResourceValidationArgs(
                    resource_type=resource.type,
                    props=resource.inputs,
                    urn=resource.urn,
                    name=resource.name,
                    opts=options[resource.urn],
                    provider=None,
                    config=config_for,
                )
                _settle(policy.validate(args, reporter(policy, resource.urn)))
        else:
            _settle(
                policy.validate(
                    StackValidationArgs(resources=stack_resources, config=config_for), reporter(policy, None)
                )
            )
    return violations


def _policy_resources(resources: list[CapturedResource]) -> Iterator[PolicyResource]:
    for resource in resources:
        # Keywords, not positions: a release that reorders or renames these fails here, loudly.
        yield PolicyResource(
            resource_type=resource.type,
            props=resource.inputs,
            urn=resource.urn,
            name=resource.name,
            opts=_options(resource),
            provider=None,
            parent=None,
            dependencies=[],
            property_dependencies={},
        )


def _name(resource: CapturedResource) -> str:
    meta = resource.inputs.get("metadata") or {}
    kind = resource.inputs.get("kind") or resource.type.rsplit(":", 1)[-1]
    return f"{kind} {meta['namespace']}/{meta.get('name')}" if meta.get("namespace") else f"{kind} {meta.get('name')}"
