"""The country's stacks on the Pulumi Kubernetes Operator: a `Stack` object (pulumi.com/v1) per
province and provider, checked against the operator's own CRD schema (schemas/)."""
