"""What the report and the picture show of one province, read off its validated catalogue and its plan
in the worker that planned it, and kept in the result cache with the rest of its result: the report
never loads or plans a province again. Plain data (JSON in the cache), with the catalogue line of
every value the baseline judges, so a deviation can say where to change it."""

import sys
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from provcloud.catalogue.problem import FieldPath, render_path
from provcloud.catalogue.province import Province
from provcloud.catalogue.security_controls import LEVELS
from provcloud.catalogue.yaml_source import parse
from provcloud.plan.model import Plan
from provcloud.plan.policies import load_policies


class Facts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class MachineFacts(Facts):
    name: str
    role: str
    zone: str
    ip: str
    security_level: int
    size: str


class QuotaFacts(Facts):
    cpu: str
    memory: str
    storage: str
    pods: int
    vms: int


class PolicyFacts(Facts):
    name: str
    kind: str
    """`mtb` (a Multi-Tenancy Benchmark check), `level` (a control that follows the security level) or
    `rule` (another rule of the pack)."""
    reference: str | None = None
    """The benchmark id an `mtb` check mirrors."""
    mandatory: bool = True
    violations: int = 0
    """How many violations of it the province's plan gave."""


class ProvinceProfile(Facts):
    name: str
    admin_unit_code: str
    security_level: int
    """The province's default level."""
    tenants_by_kind: dict[str, int]
    tenants_by_level: dict[int, int]
    zones: dict[str, str]
    """Zone name → CIDR."""
    machines: list[MachineFacts]
    virtual_ips: dict[str, str]
    """Role → the address a redundant pair answers on."""
    redundancy_waivers: dict[str, str]
    """Role → the reason it runs on fewer machines than its level asks."""
    log_retention_days: dict[int, int]
    backup_retention_days: dict[int, int]
    egress_restricted_from_level: int
    quota_tiers: dict[str, QuotaFacts]
    shared_services: int
    """Services the agencies publish through the LGSP node."""
    national_platform: str
    national_endpoint: str
    dns_domain: str
    policies: list[PolicyFacts]
    lines: dict[str, int]
    """Field path (`quota_tiers.large.cpu`) → its line in the catalogue, for the values written there
    (a value left to its default has none)."""

    def machines_of(self, role: str) -> list[MachineFacts]:
        return [machine for machine in self.machines if machine.role == role]


def _policies(pack_dir: Path, plan: Plan) -> list[PolicyFacts]:
    policies, _ = load_policies(pack_dir)
    level_module = sys.modules.get("provcloud_policies.security_levels")
    level_names = {policy.name for policy in getattr(level_module, "POLICIES", [])}
    violated = Counter(v.policy for v in plan.violations)
    facts = []
    for policy in policies:
        framework = policy.framework
        kind = "mtb" if framework is not None else "level" if policy.name in level_names else "rule"
        facts.append(
            PolicyFacts(
                name=policy.name,
                kind=kind,
                reference=framework.reference if framework is not None else None,
                mandatory=str(policy.enforcement_level).lower().endswith("mandatory"),
                violations=violated.get(policy.name, 0),
            )
        )
    return facts


def _judged_paths(province: Province) -> list[FieldPath]:
    """The catalogue fields a baseline judges: their lines are kept."""
    paths: list[FieldPath] = [("security_controls", "egress_restricted_from_level"), ("service_machines",)]
    for level in LEVELS:
        paths += [("security_controls", days, level) for days in ("log_retention_days", "backup_retention_days")]
    for tier in province.quota_tiers:
        paths += [("quota_tiers", tier, field) for field in QuotaFacts.model_fields]
        paths.append(("quota_tiers", tier))
    paths += [("service_machines", index) for index in range(len(province.service_machines))]
    paths += [("redundancy_waivers", str(role)) for role in province.redundancy_waivers]
    return paths


def _line_of(root: Node, path: FieldPath) -> int | None:
    """The line of the value at `path`, or None when the file does not write it (left to its default)."""
    node = root
    for part in path:
        if isinstance(node, MappingNode):
            child = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == str(part)), None)
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
        else:
            child = None
        if child is None:
            return None
        node = child
    return int(node.start_mark.line) + 1


def _lines(root: Node | None, paths: list[FieldPath]) -> dict[str, int]:
    if root is None:
        return {}
    found = {render_path(path): _line_of(root, path) for path in paths}
    return {path: line for path, line in found.items() if line is not None}


def province_profile(province: Province, plan: Plan, catalogue: Path, pack_dir: Path) -> ProvinceProfile:
    try:
        _, root = parse(catalogue.read_text(encoding="utf-8"))
    except Exception:  # it loaded a moment ago; without positions the report only loses line numbers
        root = None
    controls = province.security_controls
    return ProvinceProfile(
        name=province.name,
        admin_unit_code=province.admin_unit_code,
        security_level=province.security_level,
        tenants_by_kind=dict(sorted(Counter(str(a.kind) for a in province.agencies).items())),
        tenants_by_level=dict(sorted(Counter(province.level_of(a) for a in province.agencies).items())),
        zones={name: str(zone.cidr) for name, zone in province.network.zones.items()},
        machines=[
            MachineFacts(
                name=m.name,
                role=str(m.role),
                zone=m.zone,
                ip=str(m.ip),
                security_level=province.machine_level(m),
                size=m.size,
            )
            for m in province.service_machines
        ],
        virtual_ips={str(role): str(vip.ip) for role, vip in province.virtual_ips.items()},
        redundancy_waivers={str(role): waiver.reason for role, waiver in province.redundancy_waivers.items()},
        log_retention_days=dict(controls.log_retention_days),
        backup_retention_days=dict(controls.backup_retention_days),
        egress_restricted_from_level=controls.egress_restricted_from_level,
        quota_tiers={
            name: QuotaFacts(cpu=t.cpu, memory=t.memory, storage=t.storage, pods=t.pods, vms=t.vms)
            for name, t in province.quota_tiers.items()
        },
        shared_services=sum(len(a.services) for a in province.agencies),
        national_platform=province.national_platform.name,
        national_endpoint=province.national_platform.endpoint,
        dns_domain=province.dns.domain,
        policies=_policies(pack_dir, plan),
        lines=_lines(root, _judged_paths(province)),
    )
