"""CEL as the Kubernetes API server runs it: the function set of a Kubernetes version
(`environment`), and ValidatingAdmissionPolicies evaluated on admission requests (`admission`)."""
