"""The province's Kubernetes + KubeVirt platform: what the stack needs to know about the cluster."""

from ipaddress import IPv4Network
from typing import Annotated

from packaging.version import Version
from pydantic import AfterValidator, Field

from provcloud.catalogue.base import CatalogueModel, DnsLabel, DnsName, HttpUrl
from provcloud.catalogue.quantity import Quantity


class StorageClass(CatalogueModel):
    """A storage class of the cluster and which tenants may use it (others get a zero quota on it)."""

    name: DnsLabel
    """The StorageClass name on the cluster."""
    tiers: list[DnsLabel] | None = None
    """Quota tiers whose tenants may use this class; absent: every tier."""
    agencies: list[DnsLabel] | None = None
    """Agency slugs that may use this class whatever their tier; absent: no extra agencies."""


class InstanceType(CatalogueModel):
    """A named VM size (a KubeVirt VirtualMachineClusterInstancetype)."""

    cpu: int = Field(ge=1, le=256)
    """Virtual CPUs."""
    memory: Quantity
    """Guest memory, e.g. `8Gi`."""


class OsImage(CatalogueModel):
    """The OS image every service VM boots from."""

    url: HttpUrl
    """Where CDI imports the VM OS image from (a Debian 12 generic cloud image on the province's
    own mirror)."""
    disk_size: Quantity = "20Gi"
    """Root disk size of each service VM."""
    addresses: list[IPv4Network] | None = None
    """The addresses of the host in `url`: CDI's importer pods in the platform namespaces may reach
    only these, on the URL's port. Absent: any address on that port (a NetworkPolicy cannot name a
    host by name) — set it."""


class Oidc(CatalogueModel):
    """The identity provider whose groups RBAC binds."""

    issuer: HttpUrl
    """The OIDC issuer the API server trusts; RBAC binds its groups."""
    groups_prefix: str = "oidc:"
    """The API server's `--oidc-groups-prefix`: prepended to every group name in RoleBindings."""


class Capacity(CatalogueModel):
    """What the cluster can hand out as tenant quota; when set, tier quotas must fit it."""

    cpu: Quantity
    memory: Quantity
    storage: Quantity


CLUSTER_ADMIN_GROUPS = ["system:masters", "kubeadm:cluster-admins"]
"""kubeadm's cluster-admin groups: who applies a cluster's own stack unless the catalogue says."""

MINIMUM_KUBERNETES = "1.30"
"""The guardrails are admissionregistration.k8s.io/v1 ValidatingAdmissionPolicies, GA (and served
as v1) from Kubernetes 1.30: an older cluster would refuse every one of them at `pulumi up`."""


def _at_least_minimum(version: str) -> str:
    if Version(version) < Version(MINIMUM_KUBERNETES):
        raise ValueError(
            f"Kubernetes {version} is too old: provcloud's guardrails are ValidatingAdmissionPolicies "
            f"(admissionregistration.k8s.io/v1), served from Kubernetes {MINIMUM_KUBERNETES}"
        )
    return version


KubernetesVersion = Annotated[
    str, Field(pattern=r"^1\.[0-9]{2}$", examples=["1.31"]), AfterValidator(_at_least_minimum)
]


class Platform(CatalogueModel):
    """The province's Kubernetes + KubeVirt cluster."""

    kubernetes_version: KubernetesVersion
    """The cluster's Kubernetes minor version, e.g. `1.31`: objects are validated against it and
    Pod Security Admission labels are pinned to it."""
    registry_mirror: str = Field(pattern=r"^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._/-]+)?$")
    """The province's image registry mirror; tenants may run images only from it."""
    ingress_domain: DnsName
    """Base domain of tenant ingresses: an agency may serve only `<agency>.<ingress_domain>`
    and names under it."""
    ingress_namespace: DnsLabel = "ingress-nginx"
    """Namespace of the ingress controller, allowed into every tenant."""
    dns_namespace: DnsLabel = "kube-system"
    """Namespace of the cluster DNS, the one egress every tenant keeps."""
    kubevirt_namespace: DnsLabel = "kubevirt"
    """Namespace KubeVirt runs in: its controllers' service accounts create the VirtualMachineInstances
    of tenants' VirtualMachines, which the guardrails refuse from anyone else."""
    platform_groups: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9:._@-]{1,128}$")]] = Field(
        default=CLUSTER_ADMIN_GROUPS, min_length=1
    )
    """Groups of the identities that apply the platform stack (`pulumi up`): only they may change or
    delete what provcloud puts in a tenant namespace (its NetworkPolicies, quota, limit range, role
    bindings). The defaults are kubeadm's cluster-admin groups."""
    oidc: Oidc
    os_image: OsImage
    storage_classes: list[StorageClass] = Field(min_length=1)
    """Storage classes of the cluster and who may use them."""
    instance_types: dict[DnsLabel, InstanceType] = Field(min_length=1)
    """Named VM sizes; service machines pick one by name."""
    capacity: Capacity | None = None
    apt_proxy: HttpUrl | None = None
    """HTTP proxy VMs fetch Debian packages through; absent: the OS image's own sources."""
