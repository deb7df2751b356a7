"""NetworkPolicies: every namespace the stack creates gets exactly three — `default-deny` (nothing
in, nothing out), `allow-ingress` and `allow-egress`, each rule of which names what it opens."""

from provcloud.catalogue import Province
from provcloud.platform import labels
from provcloud.platform.objects import Manifest, metadata

API_VERSION = "networking.k8s.io/v1"
DEFAULT_DENY = "default-deny"
DNS_PORT = 53
Peer = Manifest
Rule = Manifest


def network_policy(name: str, namespace: str, spec: Manifest) -> Manifest:
    """A NetworkPolicy; `spec` may narrow the pods it selects (default: every pod of the namespace)."""
    return {
        "apiVersion": API_VERSION,
        "kind": "NetworkPolicy",
        "metadata": metadata(name, namespace),
        "spec": {"podSelector": {}, **spec},
    }


def namespace_peer(name: str) -> Peer:
    return {"namespaceSelector": {"matchLabels": {labels.NAMESPACE_NAME: name}}}


SAME_NAMESPACE: Peer = {"podSelector": {}}


def dns_rule(province: Province) -> Rule:
    """Name resolution: the cluster DNS pods, port 53."""
    return {
        "to": [
            {**namespace_peer(province.platform.dns_namespace), "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
        ],
        "ports": [{"protocol": "UDP", "port": DNS_PORT}, {"protocol": "TCP", "port": DNS_PORT}],
    }


def namespace_policies(province: Province, namespace: str, ingress: list[Rule], egress: list[Rule]) -> list[Manifest]:
    """Deny everything both ways, then allow the namespace to itself, DNS, and the given rules."""
    return [
        network_policy(DEFAULT_DENY, namespace, {"policyTypes": ["Ingress", "Egress"]}),
        network_policy(
            "allow-ingress", namespace, {"policyTypes": ["Ingress"], "ingress": [{"from": [SAME_NAMESPACE]}, *ingress]}
        ),
        network_policy(
            "allow-egress",
            namespace,
            {"policyTypes": ["Egress"], "egress": [dns_rule(province), {"to": [SAME_NAMESPACE]}, *egress]},
        ),
    ]
