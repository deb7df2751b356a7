"""Hosted provinces: the rules between a province that rents its platform (`hosting: {provider: <slug>}`) instead of
declaring its own cluster, checked against its provider's catalogue (`providers/<slug>.yml`).

The province's effective `platform` is derived from the provider's cluster, so every consumer
(stack, inventory, reports) reads one shape whatever the model; the rules here say, naming both
files, where the two catalogues disagree."""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from yaml.nodes import Node

from provcloud.catalogue.checks import tenants_total
from provcloud.catalogue.platform import CLUSTER_ADMIN_GROUPS
from provcloud.catalogue.problem import CatalogueError, FieldPath, LocatedProblem, Problem
from provcloud.catalogue.provider import Provider
from provcloud.catalogue.province import Province
from provcloud.catalogue.quantity import parse_quantity
from provcloud.catalogue.yaml_source import position


def providers_dir_for(province_file: Path) -> Path:
    """`providers/` beside the province's folder (`provinces/` → `providers/`)."""
    return province_file.parent.parent / "providers"


@dataclass(frozen=True)
class ProviderSource:
    """A loaded provider catalogue with its node tree, to point into it."""

    file: Path
    root: Node
    provider: Provider

    def at(self, path: FieldPath) -> str:
        """`providers/qtsc.yml:12:5`: where `path` is in the provider file."""
        _, line, column = position(self.root, path, at_key=True)
        return f"{self.file}:{line}:{column}"


def load_provider(file: Path) -> ProviderSource:
    """The validated provider in `file`; raises CatalogueError listing every problem."""
    from pydantic import ValidationError

    from provcloud.catalogue.loader import _from_pydantic, _parse

    data, root = _parse(file, None)
    if not isinstance(data, dict) or root is None:
        raise CatalogueError([LocatedProblem(file, 1, 1, (), "a provider file is a mapping of fields")])
    try:
        provider = Provider.model_validate(data)
    except ValidationError as error:
        problems = [_from_pydantic(detail, Provider) for detail in error.errors()]
        raise CatalogueError([locate_in(file, root, p) for p in problems]) from None
    found = list(provider_problems(provider))
    if found:
        raise CatalogueError([locate_in(file, root, p) for p in found])
    return ProviderSource(file, root, provider)


def hosting_providers(providers_dir: Path) -> dict[str, str]:
    """Province slug → the provider whose catalogue (`providers/<slug>.yml`) lists it: the one place
    that says a province is hosted, read by `register generate` to write the province `hosting:`."""
    hosts: dict[str, ProviderSource] = {}
    for file in sorted(providers_dir.glob("*.yml")):
        source = load_provider(file)
        for slug in source.provider.provinces:
            if slug in hosts:
                raise CatalogueError(
                    [
                        locate_in(
                            file,
                            source.root,
                            Problem(
                                ("provinces", slug),
                                f"province {slug!r} is hosted twice: also by {hosts[slug].provider.slug} "
                                f"({hosts[slug].at(('provinces', slug))})",
                                at_key=True,
                            ),
                        )
                    ]
                )
            hosts[slug] = source
    return {slug: source.provider.slug for slug, source in hosts.items()}


def attach_provider(file: Path, root: Node, data: dict[str, Any]) -> tuple[ProviderSource | None, dict[str, Any]]:
    """The province's provider and its data with the derived `platform`; a hosted province that
    declares its own cluster, names an unknown provider or one that does not host it is an error."""
    hosting = data.get("hosting")
    slug = data.get("slug")
    if not isinstance(hosting, dict) or not isinstance(hosting.get("provider"), str) or not isinstance(slug, str):
        return None, data  # the schema reports the malformed fields
    provider_file = providers_dir_for(file) / f"{hosting['provider']}.yml"
    if "platform" in data:
        raise _refused(
            file,
            root,
            Problem(
                ("platform",),
                f"a hosted province declares no cluster of its own: its platform is provider "
                f"{hosting['provider']}'s cluster ({provider_file}); remove `platform` (keep `hosting`)",
                at_key=True,
            ),
        )
    if not provider_file.is_file():
        known = ", ".join(sorted(p.stem for p in provider_file.parent.glob("*.yml"))) or "none"
        raise _refused(
            file,
            root,
            Problem(
                ("hosting", "provider"),
                f"unknown provider {hosting['provider']!r}: {provider_file} does not exist (providers: {known})",
            ),
        )
    source = load_provider(provider_file)
    if slug not in source.provider.provinces:
        raise _refused(
            file,
            root,
            Problem(
                ("hosting", "provider"),
                f"provider {source.provider.slug} does not host {slug!r} "
                f"({source.at(('provinces',))}: {', '.join(sorted(source.provider.provinces))})",
            ),
        )
    return source, {**data, "platform": derived_platform(hosting, slug, source.provider)}


def derived_platform(hosting: dict[str, Any], province_slug: str, provider: Provider) -> dict[str, Any]:
    """The province's `platform` as the provider's cluster gives it (raw data, validated with the province)."""
    cluster = provider.cluster
    team = [f"{cluster.oidc.groups_prefix}{group}" for group in provider.provinces[province_slug].platform_team]
    return {
        "kubernetes_version": cluster.kubernetes_version,
        "registry_mirror": cluster.registry_mirror,
        "ingress_domain": f"{province_slug}.{cluster.ingress_domain}",
        "ingress_namespace": cluster.ingress_namespace,
        "dns_namespace": cluster.dns_namespace,
        "oidc": cluster.oidc.model_dump(),
        # The provider's admins and the province's platform team apply what lands in its tenants.
        "platform_groups": [*CLUSTER_ADMIN_GROUPS, *team],
        "os_image": hosting.get("os_image"),
        "storage_classes": hosting.get("storage_classes"),
        "instance_types": {name: size.model_dump() for name, size in cluster.instance_types.items()},
        **({"apt_proxy": hosting["apt_proxy"]} if "apt_proxy" in hosting else {}),
    }


def hosted_problems(province: Province, source: ProviderSource) -> Iterator[Problem]:
    """Where the province asks for more, or other, than its provider gives it."""
    provider, hosting = source.provider, province.hosting
    assert hosting is not None
    offered = {c.name: i for i, c in enumerate(provider.cluster.storage_classes)}
    for i, storage_class in enumerate(hosting.storage_classes):
        if storage_class.name not in offered:
            yield Problem(
                ("hosting", "storage_classes", i, "name"),
                f"storage class {storage_class.name!r} is not offered by provider {provider.slug} "
                f"({source.at(('cluster', 'storage_classes'))}: {', '.join(offered)})",
            )
    sizes = provider.cluster.instance_types
    for i, machine in enumerate(province.service_machines):
        if machine.size not in sizes:
            yield Problem(
                ("service_machines", i, "size"),
                f"size {machine.size!r} is not offered by provider {provider.slug} "
                f"({source.at(('cluster', 'instance_types'))}: {', '.join(sorted(sizes))})",
            )
    allotment = provider.provinces[province.slug]
    here = ("provinces", province.slug)
    for resource in ("cpu", "memory", "storage"):
        total = tenants_total(province, resource)
        if total > parse_quantity(getattr(allotment, resource)):
            yield Problem(
                ("hosting", "provider"),
                f"tier quotas of all agencies need {_human(total, resource)} ({resource}); the allotment is "
                f"{getattr(allotment, resource)} ({source.at((*here, resource))})",
            )
    vms = sum(province.quota_tiers[a.tier].vms for a in province.agencies if a.tier in province.quota_tiers)
    if vms > allotment.vms:
        yield Problem(
            ("hosting", "provider"),
            f"tier quotas of all agencies allow {vms} VMs; the allotment is {allotment.vms} "
            f"({source.at((*here, 'vms'))})",
        )
    # Counted from the platform code's own list, the one the provider admits: the tenants' namespaces
    # and the platform namespaces of the service machines both count against the allotment.
    from provcloud.platform.platform_namespace import stack_namespaces

    namespaces = stack_namespaces(province)
    if len(namespaces) > allotment.namespaces:
        platform = len(namespaces) - len(province.agencies)
        yield Problem(
            ("agencies",),
            f"the province's stack declares {len(namespaces)} namespaces ({len(province.agencies)} agencies' "
            f"tenants and {platform} platform namespaces); the allotment is {allotment.namespaces} "
            f"({source.at((*here, 'namespaces'))})",
        )
    for name, zone in province.network.zones.items():
        if not any(zone.cidr.subnet_of(network) for network in allotment.networks):
            yield Problem(
                ("network", "zones", name, "cidr"),
                f"{zone.cidr} is outside the networks provider {provider.slug} gives the province "
                f"({source.at((*here, 'networks'))}: {', '.join(str(n) for n in allotment.networks)})",
            )


def provider_problems(provider: Provider) -> Iterator[Problem]:
    """The provider's own rules: allotments within capacity, networks not shared."""
    capacity = provider.capacity
    allotments = provider.provinces
    for resource in ("cpu", "memory", "storage"):
        total = sum((parse_quantity(getattr(a, resource)) for a in allotments.values()), Decimal(0))
        if total > parse_quantity(getattr(capacity, resource)):
            yield Problem(
                ("capacity", resource),
                f"the provinces' allotments need {_human(total, resource)}, "
                f"the capacity is {getattr(capacity, resource)}",
            )
    for resource in ("vms", "namespaces"):
        count = sum(getattr(a, resource) for a in allotments.values())
        if count > getattr(capacity, resource):
            yield Problem(
                ("capacity", resource),
                f"the provinces' allotments need {count} {resource}, the capacity is {getattr(capacity, resource)}",
            )
    slugs = sorted(allotments)
    for i, a in enumerate(slugs):
        for b in slugs[i + 1 :]:
            for k, network in enumerate(allotments[b].networks):
                for other in allotments[a].networks:
                    if network.overlaps(other):
                        yield Problem(
                            ("provinces", b, "networks", k),
                            f"{network} overlaps {other} given to province {a!r}: "
                            "hosted provinces never share addresses",
                        )
    names = [c.name for c in provider.cluster.storage_classes]
    for i, name in enumerate(names):
        if name in names[:i]:
            yield Problem(("cluster", "storage_classes", i, "name"), f"duplicate storage class {name}")


def _human(value: Decimal, resource: str) -> str:
    if resource == "cpu":
        return f"{value.normalize():f} CPU"
    return f"{(value / Decimal(2) ** 30).quantize(Decimal('0.1'))}Gi"


def locate_in(file: Path, root: Node, problem: Problem) -> LocatedProblem:
    path, line, column = position(root, problem.path, problem.at_key)
    return LocatedProblem(file, line, column, path, problem.message)


def _refused(file: Path, root: Node, problem: Problem) -> CatalogueError:
    """The error for a hosted province refused before its platform can be derived (one problem)."""
    return CatalogueError([locate_in(file, root, problem)])
