"""The offline plan: run the platform stack under Pulumi's mock runtime, capture what it declares,
validate it against the Kubernetes schemas, judge it with the policy pack, diff it, report it."""
