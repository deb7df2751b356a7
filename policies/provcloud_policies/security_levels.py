"""Rules that follow a tenant's security level (Decree 85/2016): from a configured level egress stays
restricted; security logs are kept at least the level's minimum. The minimums are policy config
(`provcloud plan` passes the catalogue's `security_controls`; `--out` writes them for the field)."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyConfigSchema, PolicyResource

from provcloud.platform import labels
from provcloud_policies._resources import in_namespace, meta, tenant_namespaces
from provcloud_policies._stack import Finding, stack_policy
from provcloud_policies.tenancy import default_deny

DEFAULT_LOG_RETENTION_DAYS = {"1": 30, "2": 30, "3": 90, "4": 180, "5": 365}
DEFAULT_EGRESS_RESTRICTED_FROM_LEVEL = 3


def _level(namespace: PolicyResource) -> int:
    return int(meta(namespace.props).get("labels", {}).get(labels.SECURITY_LEVEL, "5"))


def _opens_egress_widely(policy: PolicyResource) -> str | None:
    for rule in (policy.props.get("spec") or {}).get("egress") or []:
        peers = rule.get("to")
        if not peers:
            return "allows egress to any destination (a rule without `to`)"
        for peer in peers:
            cidr = (peer.get("ipBlock") or {}).get("cidr")
            if cidr in ("0.0.0.0/0", "::/0"):
                return f"allows egress to {cidr}"
    return None


def restrict_tenant_egress(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    from_level = int(config.get("egressRestrictedFromLevel", DEFAULT_EGRESS_RESTRICTED_FROM_LEVEL))
    policies = in_namespace(resources, "NetworkPolicy")
    for namespace, ns in tenant_namespaces(resources).items():
        level = _level(ns)
        if level < from_level:
            continue
        own = policies.get(namespace, [])
        if not default_deny(own, "Egress"):
            yield (
                f"tenant namespace {namespace} is at security level {level} (egress restricted from level "
                f"{from_level}) but has no default-deny egress NetworkPolicy",
                ns.urn,
            )
        for policy in own:
            problem = _opens_egress_widely(policy)
            if problem:
                yield (
                    f"NetworkPolicy {namespace}/{meta(policy.props).get('name')} {problem}, but tenant {namespace} is "
                    f"at security level {level}: allow only named destinations",
                    policy.urn,
                )


def log_retention(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    minimums = {**DEFAULT_LOG_RETENTION_DAYS, **{str(k): v for k, v in (config.get("logRetentionDays") or {}).items()}}
    for namespace, ns in tenant_namespaces(resources).items():
        level = _level(ns)
        declared = meta(ns.props).get("annotations", {}).get(labels.LOG_RETENTION_DAYS)
        minimum = int(minimums[str(level)])
        if declared is None:
            yield (
                f"tenant namespace {namespace} does not declare its log retention ({labels.LOG_RETENTION_DAYS})",
                ns.urn,
            )
        elif int(declared) < minimum:
            yield (
                f"tenant namespace {namespace} keeps security logs {declared} days, below the level-{level} minimum of "
                f"{minimum} days: raise log_retention_days of its systems in the catalogue",
                ns.urn,
            )
        systems = meta(ns.props).get("annotations", {}).get(labels.SYSTEM_LOG_RETENTION) or ""
        for entry in filter(None, systems.split(",")):
            system_level, _, days = entry.partition(":")
            if int(days) < int(minimums[system_level]):
                yield (
                    f"tenant namespace {namespace}: a level-{system_level} system keeps security logs {days} days, "
                    f"below the level-{system_level} minimum of {minimums[system_level]} days: raise its "
                    "log_retention_days in the catalogue",
                    ns.urn,
                )


CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "egressRestrictedFromLevel": {"type": "integer", "minimum": 1, "maximum": 5},
        "logRetentionDays": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}},
    }
)

POLICIES = [
    stack_policy(
        "restrict_tenant_egress",
        "Tenants at or above the configured security level deny egress by default, open to named destinations only.",
        restrict_tenant_egress,
        benchmark=False,
        config_schema=PolicyConfigSchema(
            properties={"egressRestrictedFromLevel": CONFIG_SCHEMA.properties["egressRestrictedFromLevel"]}
        ),
    ),
    stack_policy(
        "log_retention",
        "Tenants keep security logs at least as long as their level requires.",
        log_retention,
        benchmark=False,
        config_schema=PolicyConfigSchema(properties={"logRetentionDays": CONFIG_SCHEMA.properties["logRetentionDays"]}),
    ),
]
