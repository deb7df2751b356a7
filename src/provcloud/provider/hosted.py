"""A province as its provider's stack sees it: its catalogue, its allotment, and the namespaces the
provider admits for it."""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from provcloud.catalogue import CatalogueError, Province, load_province
from provcloud.catalogue.hosted import ProviderSource
from provcloud.catalogue.provider import Allotment
from provcloud.catalogue.quantity import parse_quantity
from provcloud.errors import UserError
from provcloud.platform.platform_namespace import stack_namespaces

_MI = Decimal(2) ** 20


@dataclass(frozen=True)
class HostedProvince:
    province: Province
    allotment: Allotment
    team: tuple[str, ...]
    """The platform team's OIDC groups as the API server names them (with the issuer's prefix)."""

    @property
    def slug(self) -> str:
        return self.province.slug

    @property
    def namespaces(self) -> list[str]:
        """Every namespace the province's stack declares: its tenants' and its platform namespaces."""
        return stack_namespaces(self.province)

    def namespace_share(self) -> dict[str, str]:
        """The quota of each of the province's namespaces: an equal share of the allotment, so that its
        namespaces (at most `allotment.namespaces`) together never exceed it."""
        count = Decimal(self.allotment.namespaces)

        def floor(value: Decimal) -> int:
            return int((value / count).to_integral_value(rounding=ROUND_FLOOR))

        return {
            "requests.cpu": _cpu(floor(parse_quantity(self.allotment.cpu) * 1000)),
            "requests.memory": _binary(floor(parse_quantity(self.allotment.memory) / _MI)),
            "requests.storage": _binary(floor(parse_quantity(self.allotment.storage) / _MI)),
            "count/virtualmachines.kubevirt.io": str(self.allotment.vms // self.allotment.namespaces),
            # Node ports and load balancers are the provider's to hand out, never a province's.
            "services.nodeports": "0",
            "services.loadbalancers": "0",
        }


def _cpu(millis: int) -> str:
    """In the API server's canonical form (`8`, `3200m`): admission sees quantities as it serialises them."""
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def _binary(mebibytes: int) -> str:
    """Canonical binary-suffixed bytes: the largest suffix that keeps the number whole (`16Gi`, `349525Mi`)."""
    value, suffix = mebibytes, "Mi"
    for larger in ("Gi", "Ti", "Pi"):
        if value % 1024 or value == 0:
            break
        value, suffix = value // 1024, larger
    return f"{value}{suffix}"


def hosted_provinces(source: ProviderSource) -> list[HostedProvince]:
    """Every province the provider hosts, from `provinces/<slug>.yml` beside `providers/`; a province
    the loader has checked against its allotment (namespaces included) is an error naming both files."""
    provinces_dir = source.file.parent.parent / "provinces"
    prefix = source.provider.cluster.oidc.groups_prefix
    hosted = []
    for slug, allotment in sorted(source.provider.provinces.items()):
        file = provinces_dir / f"{slug}.yml"
        if not file.is_file():
            raise UserError(f"{source.at(('provinces', slug))}: provider hosts {slug!r}, but {file} does not exist")
        try:
            province = load_province(file)
        except CatalogueError as error:
            raise UserError("\n".join(str(problem) for problem in error.problems)) from error
        team = tuple(f"{prefix}{group}" for group in allotment.platform_team)
        hosted.append(HostedProvince(province, allotment, team))
    return hosted
