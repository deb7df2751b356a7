"""The provider's stack (stacks/provider/): the cluster-scoped objects of a provider that hosts
provinces' platforms on one cluster — every hosted province's tenant guardrails, the VM sizes it
offers, each province's hierarchical limits and its platform team's access."""
