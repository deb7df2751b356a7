"""Named quota tiers: what a tenant may consume."""

from pydantic import Field

from provcloud.catalogue.base import CatalogueModel
from provcloud.catalogue.quantity import Quantity


class ContainerDefaults(CatalogueModel):
    """CPU and memory for containers that declare none."""

    cpu: Quantity
    memory: Quantity


class QuotaTier(CatalogueModel):
    """A named quota tier: what a tenant of that tier may consume (ResourceQuota, LimitRange)."""

    cpu: Quantity
    """Total CPU requests, e.g. `4`."""
    memory: Quantity
    """Total memory requests, e.g. `8Gi`."""
    cpu_limit: Quantity | None = None
    """Total CPU limits; absent: equal to `cpu`."""
    memory_limit: Quantity | None = None
    """Total memory limits; absent: equal to `memory`."""
    storage: Quantity
    """Total persistent volume storage requested."""
    pods: int = Field(ge=0)
    vms: int = Field(ge=0)
    """KubeVirt VirtualMachines."""
    persistent_volume_claims: int = Field(default=20, ge=0)
    services: int = Field(default=20, ge=0)
    configmaps: int = Field(default=50, ge=0)
    secrets: int = Field(default=50, ge=0)
    default_request: ContainerDefaults = ContainerDefaults(cpu="100m", memory="128Mi")
    """Requests given to a container that declares none (LimitRange)."""
    default_limit: ContainerDefaults = ContainerDefaults(cpu="500m", memory="512Mi")
    """Limits given to a container that declares none (LimitRange)."""
