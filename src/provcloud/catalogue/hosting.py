"""How a hosted province says where its platform runs (`hosting:` in `provinces/<slug>.yml`),
instead of declaring its own cluster (`platform:`)."""

from pydantic import Field

from provcloud.catalogue.base import CatalogueModel, DnsLabel, HttpUrl
from provcloud.catalogue.platform import OsImage, StorageClass


class Hosting(CatalogueModel):
    """Where a hosted province's platform runs: its provider, and what it chooses of the offer."""

    provider: DnsLabel
    """The provider's slug (`providers/<slug>.yml`), which must list this province."""
    os_image: OsImage
    """The OS image the province's service VMs boot from."""
    storage_classes: list[StorageClass] = Field(min_length=1)
    """Which of the provider's storage classes the province uses, and which of its tenants may."""
    apt_proxy: HttpUrl | None = None
    """HTTP proxy the province's VMs fetch Debian packages through."""
