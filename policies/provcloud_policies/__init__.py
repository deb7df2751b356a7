"""provcloud's policy pack: Multi-Tenancy Benchmark checks judged from declared objects, keyed by the
benchmark's folder names, plus rules that follow the security level of each tenant."""

from pulumi_policy import Policy

from provcloud_policies import hosting, rbac, security_levels, tenancy, workloads

PACK_NAME = "provcloud"

POLICIES: list[Policy] = [
    *workloads.POLICIES,
    *tenancy.POLICIES,
    *rbac.POLICIES,
    *security_levels.POLICIES,
    *hosting.POLICIES,
]
