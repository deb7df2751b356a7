"""Rules across fields that a schema alone cannot state. Each returns every problem it finds."""

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from ipaddress import IPv4Address, IPv4Network

from provcloud.catalogue.agency import Agency, AgencyKind
from provcloud.catalogue.kubevirt_overhead import MIB, memory_overhead
from provcloud.catalogue.network import REQUIRED_ZONES
from provcloud.catalogue.problem import FieldPath, Problem, render_path
from provcloud.catalogue.province import Province
from provcloud.catalogue.quantity import parse_quantity
from provcloud.catalogue.redundancy import (
    REDUNDANCY_LEVEL,
    REDUNDANT_MACHINES,
    REDUNDANT_ROLES,
    virtual_router_id,
)
from provcloud.catalogue.service_machine import MachineRole
from provcloud.catalogue.slug import DNS_LABEL_MAX
from provcloud.catalogue.tie_breaker import REPLICATED_STORES, TIE_BREAKER_ROLE, needs_tie_breaker

# Commune-level units: each carries its administrative-unit code.
COMMUNE_LEVEL = (AgencyKind.commune, AgencyKind.ward)
# Paths the LGSP node serves itself; an agency service may not take them.
RESERVED_SERVICE_PATHS = ("/dmdc", "/healthz", "/national")


def check_province(province: Province) -> list[Problem]:
    problems: list[Problem] = []
    for rule in RULES:
        problems.extend(rule(province))
    return problems


def _duplicates(items: Iterable[tuple[FieldPath, Hashable]], what: str) -> Iterator[Problem]:
    listed = list(items)
    counts = Counter(value for _, value in listed)
    first: dict[Hashable, FieldPath] = {}
    for path, value in listed:
        if counts[value] < 2:
            continue
        if value in first:
            yield Problem(path, f"duplicate {what} {value!s} (first at {render_path(first[value])})")
        else:
            first[value] = path


def zones(province: Province) -> Iterator[Problem]:
    zones = province.network.zones
    for name in REQUIRED_ZONES:
        if name not in zones:
            yield Problem(("network", "zones"), f"zone {name!r} is required ({', '.join(REQUIRED_ZONES)})")
    for name, zone in zones.items():
        if not _usable_host(zone.cidr, zone.gateway):
            yield Problem(
                ("network", "zones", name, "gateway"),
                f"{zone.gateway} is not a host address of {zone.cidr}",
            )
    names = sorted(zones)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if zones[a].cidr.overlaps(zones[b].cidr):
                yield Problem(
                    ("network", "zones", b, "cidr"),
                    f"{zones[b].cidr} overlaps zone {a!r} ({zones[a].cidr})",
                )
    yield from _duplicates(((("network", "zones", n, "vlan"), z.vlan) for n, z in zones.items()), "VLAN")
    yield from _duplicates(((("network", "zones", n, "bridge"), z.bridge) for n, z in zones.items()), "bridge")


def _usable_host(cidr: IPv4Network, address: IPv4Address) -> bool:
    if address not in cidr:
        return False
    return cidr.prefixlen >= 31 or address not in (cidr.network_address, cidr.broadcast_address)


def service_machines(province: Province) -> Iterator[Problem]:
    zones = province.network.zones
    machines = province.service_machines
    yield from _duplicates(((("service_machines", i, "name"), m.name) for i, m in enumerate(machines)), "machine name")
    for i, machine in enumerate(machines):
        here = ("service_machines", i)
        if machine.zone not in zones:
            yield Problem((*here, "zone"), f"unknown zone {machine.zone!r}; zones: {', '.join(sorted(zones))}")
        if machine.size not in province.platform.instance_types:
            yield Problem(
                (*here, "size"),
                f"unknown instance type {machine.size!r}; types: {', '.join(sorted(province.platform.instance_types))}",
            )
        if machine.role is MachineRole.national_peer and not province.lab:
            yield Problem(
                (*here, "role"),
                "national_peer is a lab stand-in: only a province with `lab: true` may declare one",
            )
        if machine.role is MachineRole.national_peer and province.national_platform.lab_peer:
            yield Problem(
                (*here, "role"),
                "a province that uses another lab's national peer (national_platform.lab_peer) declares none itself",
            )
    if province.national_platform.lab_peer and not province.lab:
        yield Problem(
            ("national_platform", "lab_peer"), "only a province with `lab: true` may use another lab's national peer"
        )


def addresses(province: Province) -> Iterator[Problem]:
    """Every host address the province hands out — each machine's and each virtual IP — is a host of
    its zone, not the zone's gateway, and taken once."""
    zones = province.network.zones
    located = list(_host_addresses(province))
    yield from _duplicates(((path, ip) for path, _, ip in located), "address")
    for path, zone_name, ip in located:
        zone = zones.get(zone_name)
        if zone is None:
            continue  # reported by the rule of the machine's zone
        if not _usable_host(zone.cidr, ip):
            yield Problem(path, f"{ip} is not a host address of zone {zone_name!r} ({zone.cidr})")
        elif ip == zone.gateway:
            yield Problem(path, f"{ip} is the gateway of zone {zone_name!r}")


def _host_addresses(province: Province) -> Iterator[tuple[FieldPath, str, IPv4Address]]:
    for i, machine in enumerate(province.service_machines):
        yield ("service_machines", i, "ip"), machine.zone, machine.ip
    for role, zone_name in _virtual_ip_zones(province).items():
        yield ("virtual_ips", role.value, "ip"), zone_name, province.virtual_ips[role].ip


def _zones_of(province: Province, role: MachineRole) -> list[str]:
    return sorted({machine.zone for machine in province.machines_with_role(role)})


def _virtual_ip_zones(province: Province) -> dict[MachineRole, str]:
    """The zone of each virtual IP: the one zone its role's machines sit in (when they sit in one)."""
    return {role: zones[0] for role in province.virtual_ips if len(zones := _zones_of(province, role)) == 1}


def redundancy(province: Province) -> Iterator[Problem]:
    """From security level 4 a common service runs on two machines behind one virtual IP, or the
    province declares why not."""
    for role in REDUNDANT_ROLES:
        machines = province.machines_with_role(role)
        if not machines:
            continue
        first = province.service_machines.index(machines[0])
        at_role = ("service_machines", first, "role")
        level = max(province.machine_level(machine) for machine in machines)
        names = ", ".join(machine.name for machine in machines)
        if level >= REDUNDANCY_LEVEL and len(machines) < REDUNDANT_MACHINES and role not in province.redundancy_waivers:
            yield Problem(
                at_role,
                f"{role.value} is security level {level} and runs on {len(machines)} machine ({names}): from level "
                f"{REDUNDANCY_LEVEL} it needs {REDUNDANT_MACHINES} machines behind `virtual_ips.{role.value}`, "
                f"or a `redundancy_waivers.{role.value}` entry (reason, approved_by, until)",
            )
        if len(machines) >= REDUNDANT_MACHINES and role not in province.virtual_ips:
            yield Problem(
                at_role,
                f"{len(machines)} {role.value} machines ({names}) and no `virtual_ips.{role.value}`: declare the one "
                "address their consumers use",
            )
        if (
            role in REPLICATED_STORES
            and needs_tie_breaker(role, machines)
            and not province.machines_with_role(TIE_BREAKER_ROLE)
        ):
            yield Problem(
                at_role,
                f"{len(machines)} {role.value} machines ({names}) replicate {REPLICATED_STORES[role]}, which needs a "
                "third member to keep a majority when one is down: it is the first "
                f"`{TIE_BREAKER_ROLE.value}` machine, and the catalogue lists none; add one (or a third {role.value} "
                "machine)",
            )
    for role in province.virtual_ips:
        here = ("virtual_ips", role.value)
        zone_names = _zones_of(province, role)
        if role not in REDUNDANT_ROLES:
            yield Problem(here, f"{role.value} takes no virtual IP; roles that do: {_role_list()}", at_key=True)
        elif not zone_names:
            yield Problem(here, f"no service machine has role {role.value}", at_key=True)
        elif len(zone_names) > 1:
            yield Problem(
                (*here, "ip"),
                f"the {role.value} machines sit in zones {', '.join(map(repr, zone_names))}: a virtual IP moves "
                "only within one zone (one VLAN); put them in one zone",
            )
    yield from _duplicates(
        (
            (
                ("virtual_ips", role.value, "virtual_router_id"),
                f"{virtual_router_id(role, province.virtual_ips[role])} in zone {zone!r}",
            )
            for role, zone in _virtual_ip_zones(province).items()
        ),
        "virtual router id",
    )
    for role, waiver in province.redundancy_waivers.items():
        here = ("redundancy_waivers", role.value)
        machines = province.machines_with_role(role)
        if role not in REDUNDANT_ROLES:
            yield Problem(here, f"{role.value} needs no redundancy waiver; roles that do: {_role_list()}", at_key=True)
        elif len(machines) >= REDUNDANT_MACHINES:
            yield Problem(here, f"{role.value} runs on {len(machines)} machines: remove the waiver", at_key=True)
        elif max((province.machine_level(m) for m in machines), default=0) < REDUNDANCY_LEVEL:
            yield Problem(
                here,
                f"{role.value} is below security level {REDUNDANCY_LEVEL} and needs no redundancy: remove the waiver",
                at_key=True,
            )
        elif waiver.until < date.today():
            yield Problem(
                (*here, "until"),
                f"the waiver of {role.value} (approved by {waiver.approved_by}) ended on {waiver.until}: run its "
                "second machine, or renew the waiver (a new `until`, approved again)",
            )


def _role_list() -> str:
    return ", ".join(role.value for role in REDUNDANT_ROLES)


def operators(province: Province) -> Iterator[Problem]:
    yield from _duplicates(((("operators", i, "login"), o.login) for i, o in enumerate(province.operators)), "login")


def agencies(province: Province) -> Iterator[Problem]:
    agencies = province.agencies
    yield from _duplicates(((("agencies", i, "slug"), a.slug) for i, a in enumerate(agencies)), "slug")
    yield from _duplicates(
        [(("org_code",), province.org_code)]
        + [(("agencies", i, "org_code"), a.org_code) for i, a in enumerate(agencies)],
        "org code",
    )
    yield from _duplicates(
        ((("agencies", i, "admin_unit_code"), a.admin_unit_code) for i, a in enumerate(agencies) if a.admin_unit_code),
        "administrative-unit code",
    )
    known_codes = {province.org_code} | {a.org_code for a in agencies}
    for i, agency in enumerate(agencies):
        here = ("agencies", i)
        namespace = province.namespace_of(agency)
        if len(namespace) > DNS_LABEL_MAX:
            yield Problem(
                (*here, "slug"),
                f"namespace {namespace!r} is {len(namespace)} characters (max {DNS_LABEL_MAX}); set a shorter `slug`",
            )
        if not agency.org_code.endswith(tuple("." + code for code in _level1_codes(province, agency))):
            yield Problem(
                (*here, "org_code"),
                f"{agency.org_code} does not end with the province's level-1 code "
                f"{' or '.join(_level1_codes(province, agency))}",
            )
        if agency.parent is not None and agency.parent not in known_codes:
            yield Problem((*here, "parent"), f"no agency has org code {agency.parent}")
        if agency.tier not in province.quota_tiers:
            yield Problem(
                (*here, "tier"),
                f"unknown tier {agency.tier!r}; tiers: {', '.join(sorted(province.quota_tiers))}",
            )
        if agency.kind in COMMUNE_LEVEL and agency.admin_unit_code is None:
            yield Problem(here, f"a {agency.kind} needs its 5-digit `admin_unit_code`")
    yield from _parent_cycles(province)


def register(province: Province) -> Iterator[Problem]:
    """A province of the official register may only name the commune-level units it has there."""
    from provcloud.register.source import active_register  # the register imports agency kinds

    listed = active_register()
    entry = listed.provinces.get(province.admin_unit_code)
    if entry is None:  # the demo (99) and synthetic provinces are not in the register
        return
    if province.name != entry.name:
        # An illustrative province that borrowed an assigned code would otherwise be synced,
        # routed and reported as that province.
        yield Problem(
            ("admin_unit_code",),
            f"{entry.code} is {entry.name} in the register ({listed.source}), not {province.name!r}: "
            "use that province's name, or a code the register does not assign",
        )
        return
    for i, agency in enumerate(province.agencies):
        code = agency.admin_unit_code
        if agency.kind not in COMMUNE_LEVEL or code is None or entry.ward(code) is not None:
            continue
        elsewhere = listed.ward(code)
        where = (
            f"it is {elsewhere[1].name} of province {elsewhere[0].code} ({elsewhere[0].name})"
            if elsewhere
            else "no commune, ward or special zone has it"
        )
        yield Problem(
            ("agencies", i, "admin_unit_code"),
            f"{code} is not a unit of province {entry.code} ({entry.name}) in the register ({listed.source}): "
            f"{where}; run `provcloud register sync {province.slug}`",
        )


def _level1_codes(province: Province, agency: Agency) -> tuple[str, ...]:
    """H<nn> for the People's Committee's side; the People's Council uses K<nn> (Decision 09/2025)."""
    code = province.level1_code
    if agency.kind is AgencyKind.council:
        return (code, "K" + code[1:])
    return (code,)


def _parent_cycles(province: Province) -> Iterator[Problem]:
    parent_of = {a.org_code: a.parent for a in province.agencies if a.parent}
    index_of = {a.org_code: i for i, a in enumerate(province.agencies)}
    reported: set[str] = set()
    for start in parent_of:
        seen: list[str] = []
        code: str | None = start
        while code is not None and code not in seen:
            seen.append(code)
            code = parent_of.get(code)
        if code is not None and code not in reported:
            cycle = seen[seen.index(code) :]
            reported.update(cycle)
            yield Problem(
                ("agencies", index_of[code], "parent"),
                f"parent cycle: {' → '.join([*cycle, code])}",
            )


def shared_services(province: Province) -> Iterator[Problem]:
    slugs = province.agencies_by_slug
    located = [
        (("agencies", i, "services", j), service)
        for i, agency in enumerate(province.agencies)
        for j, service in enumerate(agency.services)
    ]
    yield from _duplicates((((*p, "name"), s.name) for p, s in located), "service name")
    yield from _duplicates((((*p, "path"), s.path.rstrip("/")) for p, s in located), "service path")
    for path, service in located:
        for reserved in RESERVED_SERVICE_PATHS:
            if service.path == reserved or service.path.startswith(reserved + "/"):
                yield Problem((*path, "path"), f"{service.path} is served by the LGSP node itself")
        for k, consumer in enumerate(service.consumers):
            if consumer not in slugs:
                yield Problem((*path, "consumers", k), f"no agency has slug {consumer!r}")


def storage_classes(province: Province) -> Iterator[Problem]:
    for i, storage_class in enumerate(province.platform.storage_classes):
        here = ("platform", "storage_classes", i)
        for k, tier in enumerate(storage_class.tiers or []):
            if tier not in province.quota_tiers:
                yield Problem((*here, "tiers", k), f"unknown tier {tier!r}")
        for k, slug in enumerate(storage_class.agencies or []):
            if slug not in province.agencies_by_slug:
                yield Problem((*here, "agencies", k), f"no agency has slug {slug!r}")
    yield from _duplicates(
        ((("platform", "storage_classes", i, "name"), c.name) for i, c in enumerate(province.platform.storage_classes)),
        "storage class",
    )


def tenants_total(province: Province, resource: str) -> Decimal:
    """What the agencies' quota tiers add up to for `resource` (cpu, memory or storage)."""
    return sum(
        (
            parse_quantity(getattr(province.quota_tiers[a.tier], resource))
            for a in province.agencies
            if a.tier in province.quota_tiers
        ),
        Decimal(0),
    )


def capacity(province: Province) -> Iterator[Problem]:
    capacity = province.platform.capacity
    if capacity is None:
        return
    for resource in ("cpu", "memory", "storage"):
        total = tenants_total(province, resource)
        available = parse_quantity(getattr(capacity, resource))
        if total > available:
            yield Problem(
                ("platform", "capacity", resource),
                f"tier quotas of all agencies need {_human(total, resource)}, "
                f"the platform declares {getattr(capacity, resource)}",
            )


def tier_vms_fit(province: Province) -> Iterator[Problem]:
    """A tier that allows N VMs must fit N of the smallest instancetype in its memory quota, each with
    the memory virt-launcher adds: otherwise the quota refuses the VMs the tier promises."""
    sizes = province.platform.instance_types
    if not sizes:
        return
    name, smallest = min(sizes.items(), key=lambda item: (parse_quantity(item[1].memory), item[1].cpu))
    guest = parse_quantity(smallest.memory)
    per_vm = guest + memory_overhead(guest, smallest.cpu)
    for tier_name, tier in province.quota_tiers.items():
        if tier.vms == 0:
            continue
        quota = parse_quantity(tier.memory)
        fit = int(quota // per_vm)
        if fit < tier.vms:
            yield Problem(
                ("quota_tiers", tier_name, "vms"),
                f"tier {tier_name!r} allows {tier.vms} VM(s), but its memory quota {tier.memory} fits {fit} of the "
                f"smallest instancetype {name!r} ({smallest.memory} + {_mib(per_vm - guest)} KubeVirt overhead = "
                f"{_mib(per_vm)} each; {tier.vms} need {_mib(per_vm * tier.vms)}): raise `memory` or lower `vms`",
            )


def _mib(value: Decimal) -> str:
    return f"{(value / MIB).quantize(Decimal('1'))}Mi"


def _human(value: Decimal, resource: str) -> str:
    if resource == "cpu":
        return f"{value.normalize():f} CPU"
    return f"{(value / Decimal(2) ** 30).quantize(Decimal('0.1'))}Gi"


RULES: tuple[Callable[[Province], Iterable[Problem]], ...] = (
    zones,
    service_machines,
    addresses,
    redundancy,
    operators,
    agencies,
    shared_services,
    storage_classes,
    capacity,
    tier_vms_fit,
    register,
)
