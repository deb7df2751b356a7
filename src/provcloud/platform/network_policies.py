"""NetworkPolicies shared by tenant and platform namespaces: default deny, DNS, same namespace."""

from provcloud.catalogue import Province
from provcloud.platform import labels
from provcloud.platform.objects import Manifest, metadata

API_VERSION = "networking.k8s.io/v1"
DEFAULT_DENY = "default-deny"
DNS_PORT = 53


def network_policy(name: str, namespace: str, spec: Manifest) -> Manifest:
    return {
        "apiVersion": API_VERSION,
        "kind": "NetworkPolicy",
        "metadata": metadata(name, namespace),
        "spec": {"podSelector": {}, **spec},
    }


def namespace_selector(name: str) -> Manifest:
    return {"namespaceSelector": {"matchLabels": {labels.NAMESPACE_NAME: name}}}


def baseline_policies(province: Province, namespace: str) -> list[Manifest]:
    """Deny everything both ways, then let pods resolve names and talk inside their namespace."""
    dns_namespace = province.platform.dns_namespace
    return [
        network_policy(DEFAULT_DENY, namespace, {"policyTypes": ["Ingress", "Egress"]}),
        network_policy(
            "allow-dns",
            namespace,
            {
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [
                            {
                                **namespace_selector(dns_namespace),
                                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                            }
                        ],
                        "ports": [{"protocol": "UDP", "port": DNS_PORT}, {"protocol": "TCP", "port": DNS_PORT}],
                    }
                ],
            },
        ),
        network_policy(
            "allow-same-namespace",
            namespace,
            {
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"from": [{"podSelector": {}}]}],
                "egress": [{"to": [{"podSelector": {}}]}],
            },
        ),
    ]
