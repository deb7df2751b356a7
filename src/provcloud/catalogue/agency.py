"""An agency (cơ quan, đơn vị): one tenant of the shared platform."""

from enum import StrEnum
from ipaddress import IPv4Network
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator

from provcloud.catalogue.base import CatalogueModel, DnsLabel, HttpUrl, NameText, OrgCode, SecurityLevel
from provcloud.catalogue.slug import DNS_LABEL_MAX, is_dns_label, slugify


class AgencyKind(StrEnum):
    department = "department"
    """A specialised department of the People's Committee (sở), Decree 150/2025."""
    people_committee_office = "people_committee_office"
    """The office of the provincial People's Committee (Văn phòng UBND)."""
    inspectorate = "inspectorate"
    """The provincial inspectorate (Thanh tra tỉnh)."""
    council = "council"
    """The provincial People's Council (Hội đồng nhân dân) and its office."""
    commune = "commune"
    """A commune-level unit: commune or special zone (xã, đặc khu); a ward may also be `ward`."""
    ward = "ward"
    """A ward (phường): a commune-level unit of urban areas."""
    public_service_unit = "public_service_unit"
    """A public service unit (đơn vị sự nghiệp công lập)."""


class Owners(CatalogueModel):
    """OIDC groups bound to the agency's namespace (without the issuer's groups prefix)."""

    admin: list[str] = Field(default_factory=list)
    """Groups given the built-in `admin` ClusterRole inside the agency's namespace only."""
    viewer: list[str] = Field(default_factory=list)
    """Groups given the built-in `view` ClusterRole inside the agency's namespace only."""


class InformationSystem(CatalogueModel):
    """An information system the agency owns, with its security level (Decree 85/2016)."""

    name: NameText
    security_level: SecurityLevel
    """Level 1–5 approved for this system."""
    log_retention_days: int | None = Field(default=None, ge=1)
    """Security-log retention; absent: the province's minimum for the system's level."""


ServicePath = Annotated[str, Field(pattern=r"^/[a-z0-9][a-z0-9._/-]*$")]


class SharedService(CatalogueModel):
    """A service the agency publishes to other agencies through the LGSP node."""

    name: DnsLabel
    """Unique in the province, e.g. `ho-tich`."""
    path: ServicePath
    """Route on the LGSP node, e.g. `/ho-tich/v1`."""
    upstream: HttpUrl
    """Where the node forwards requests, e.g. `http://198.18.1.20:8080/api`."""
    consumers: list[DnsLabel] = Field(default_factory=list)
    """Slugs of the agencies allowed to call it."""
    description: NameText | None = None


class Agency(CatalogueModel):
    """An agency: one tenant of the platform (a namespace with its quota, policies and RBAC)."""

    name: NameText
    """The Vietnamese name, with diacritics, e.g. `Sở Khoa học và Công nghệ`."""
    slug: DnsLabel = Field(default=None, validate_default=True)
    """Short ASCII name; absent: derived from `name` (`đ`→`d`, diacritics stripped)."""
    org_code: OrgCode
    """Agency identifier code (mã định danh, QCVN 102 / Decision 20/2020); ends with the
    province's level-1 code."""
    kind: AgencyKind
    parent: OrgCode | None = None
    """Org code of the superior agency; absent: the province's People's Committee."""
    admin_unit_code: str | None = Field(default=None, pattern=r"^[0-9]{5}$")
    """5-digit administrative-unit code (Decision 19/2025); required for communes and wards, and
    checked against the official register when the province is in it."""
    tier: DnsLabel
    """Quota tier from `quota_tiers`."""
    owners: Owners = Field(default_factory=Owners)
    systems: list[InformationSystem] = Field(default_factory=list)
    """Information systems the agency owns; the tenant's level is the highest of them."""
    services: list[SharedService] = Field(default_factory=list)
    """Services the agency publishes through the LGSP node."""
    source_addresses: list[IPv4Network] = Field(default_factory=list)
    """Addresses the agency's systems call the LGSP node from: its source-IP allow-list."""

    @field_validator("slug", mode="before")
    @classmethod
    def _derive_slug(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and isinstance(info.data.get("name"), str):
            derived = slugify(info.data["name"])
            if not is_dns_label(derived):
                raise ValueError(
                    f"the slug derived from the name, {derived!r}, is not a valid namespace part "
                    f"(at most {DNS_LABEL_MAX} characters); set a shorter `slug`"
                )
            return derived
        if value is None and "name" not in info.data:
            # The name itself was refused (its own error says why): say so instead of a type error.
            raise ValueError("cannot be derived from a name that was refused; fix the name or set `slug`")
        return value
