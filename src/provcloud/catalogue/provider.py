"""The provider catalogue (`providers/<slug>.yml`): a cloud provider (a software park's data centre,
e.g. Quang Trung Software City) that hosts several provinces' platforms on one cluster it owns.

The provider is cluster admin; each province it hosts receives an allotment, not a cluster."""

from ipaddress import IPv4Network

from pydantic import Field

from provcloud.catalogue.base import CatalogueModel, DnsLabel, DnsName
from provcloud.catalogue.platform import InstanceType, KubernetesVersion, Oidc
from provcloud.catalogue.quantity import Quantity


class OfferedStorageClass(CatalogueModel):
    """A storage class the provider's cluster offers to hosted provinces."""

    name: DnsLabel
    """The StorageClass name on the cluster."""
    max_volume: Quantity | None = None
    """The largest volume one claim may request on this class; absent: no per-volume limit."""


class ProviderCluster(CatalogueModel):
    """The provider's Kubernetes + KubeVirt cluster, shared by every province it hosts."""

    kubernetes_version: KubernetesVersion
    """The cluster's Kubernetes minor version, e.g. `1.31`."""
    registry_mirror: str = Field(pattern=r"^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._/-]+)?$")
    """The provider's image registry mirror; every hosted tenant may run images only from it."""
    ingress_domain: DnsName
    """Base domain of hosted ingresses: a province gets `<province>.<ingress_domain>`, an agency
    `<agency>.<province>.<ingress_domain>`."""
    ingress_namespace: DnsLabel = "ingress-nginx"
    """Namespace of the shared ingress controller."""
    dns_namespace: DnsLabel = "kube-system"
    """Namespace of the cluster DNS."""
    oidc: Oidc
    """The identity provider the cluster's API server trusts; provinces' groups are bound through it."""
    storage_classes: list[OfferedStorageClass] = Field(min_length=1)
    """Storage classes offered to hosted provinces."""
    instance_types: dict[DnsLabel, InstanceType] = Field(min_length=1)
    """VM sizes offered (cluster instancetypes, created by the provider's stack)."""


class ProviderCapacity(CatalogueModel):
    """What the provider can hand out to hosted provinces in total."""

    cpu: Quantity
    memory: Quantity
    storage: Quantity
    vms: int = Field(ge=0)
    namespaces: int = Field(ge=0)


class Allotment(CatalogueModel):
    """What one hosted province receives: its share of the cluster and the networks it may use."""

    cpu: Quantity
    """CPU requests of all the province's namespaces together."""
    memory: Quantity
    """Memory requests of all the province's namespaces together."""
    storage: Quantity
    """Storage requests of all the province's namespaces together."""
    vms: int = Field(ge=0)
    """Virtual machines (service VMs and tenants' VMs) of the province."""
    namespaces: int = Field(ge=1)
    """Namespaces the province may create (its tenants and its platform namespaces)."""
    networks: list[IPv4Network] = Field(min_length=1)
    """Address ranges given to the province: every zone of its network lies inside one of them."""
    platform_team: list[str] = Field(min_length=1)
    """OIDC groups of the province's platform team (without the issuer's groups prefix): the
    provider's stack lets them create and manage the province's namespaces only, and they apply the
    province's stack."""


class Provider(CatalogueModel):
    """A provider hosting provinces' platforms on its cluster."""

    slug: DnsLabel
    """Short ASCII name; the file is `providers/<slug>.yml` and the provider's Pulumi stack is `<slug>`."""
    name: str = Field(min_length=1)
    """The provider's name, e.g. `Công viên phần mềm Quang Trung`."""
    cluster: ProviderCluster
    capacity: ProviderCapacity
    provinces: dict[DnsLabel, Allotment] = Field(min_length=1)
    """Hosted provinces by slug (`provinces/<slug>.yml`), each with its allotment."""
