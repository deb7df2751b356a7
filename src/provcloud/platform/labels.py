"""Label and annotation keys the stack puts on objects; the policy pack and the admission
guardrails select and judge objects by them."""

PREFIX = "provcloud.vn"

PROVINCE = f"{PREFIX}/province"
TENANT = f"{PREFIX}/tenant"
"""`"true"` on every agency namespace: what the guardrails and the policies select."""
AGENCY = f"{PREFIX}/agency"
ORG_CODE = f"{PREFIX}/org-code"
KIND = f"{PREFIX}/kind"
SECURITY_LEVEL = f"{PREFIX}/security-level"
TIER = f"{PREFIX}/tier"
PLATFORM = f"{PREFIX}/platform"
"""`"true"` on the platform namespaces that hold the common services' VMs."""
ROLE = f"{PREFIX}/role"
ZONE = f"{PREFIX}/zone"
MACHINE = f"{PREFIX}/machine"

MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGED_BY_PROVCLOUD = "provcloud"
"""`MANAGED_BY: provcloud` on every object the stack puts inside a tenant namespace: the guardrails let
only the platform's identities change or delete such objects."""

NAME = f"{PREFIX}/name"
"""Annotation: the Vietnamese name of the agency or machine."""
LOG_RETENTION_DAYS = f"{PREFIX}/log-retention-days"
"""Annotation: how long the tenant namespace keeps security logs (days): its most demanding system."""
SYSTEM_LOG_RETENTION = f"{PREFIX}/system-log-retention"
"""Annotation: each information system's security level and log retention, `level:days` joined by
commas (e.g. `3:90,4:365`): the policy pack checks each against its level's minimum."""
POD_SECURITY_REASON = f"{PREFIX}/pod-security-reason"
"""Annotation: why a namespace enforces a Pod Security level below `restricted`."""

NAMESPACE_NAME = "kubernetes.io/metadata.name"
"""Set by Kubernetes on every namespace: how NetworkPolicies select a namespace by name."""

PROVIDER = f"{PREFIX}/provider"
"""On the objects a provider's stack declares (stacks/provider/): the provider's slug."""
