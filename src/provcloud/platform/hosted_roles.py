"""The names the provider's stack (stacks/provider/) and a hosted province's stack agree on: the
ClusterRole a province's platform team is bound to inside each of its namespaces, and the quota every
one of those namespaces carries from the province's allotment."""

PLATFORM_TEAM_ROLE = "provcloud-hosted-platform-team"
"""ClusterRole (the provider's): what a hosted province's platform team may do inside a namespace of
its own; the province's stack binds it in each of its namespaces (RoleBinding `platform-team`)."""
PLATFORM_TEAM_BINDING = "platform-team"
ALLOTMENT_QUOTA = "provider-allotment"
"""ResourceQuota in every namespace of a hosted province: its share of the allotment, the values the
provider exports and its admission rule pins."""
