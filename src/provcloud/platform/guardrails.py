"""Guardrails: cluster-wide ValidatingAdmissionPolicies that hold every tenant namespace to the
province's rules, with messages a tenant understands. Native objects only (admissionregistration.k8s.io/v1)."""

from typing import Any

import pulumi

from provcloud.catalogue import Province
from provcloud.platform import labels
from provcloud.platform.objects import Manifest, declare_all, metadata

API_VERSION = "admissionregistration.k8s.io/v1"
WORKLOAD_RESOURCES = (
    ("", "pods"),
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
)
# The pod spec of any workload kind, then every image it runs (init and ephemeral containers too).
_POD_SPEC = (
    "object.kind == 'Pod' ? object.spec : "
    "(object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec)"
)
_IMAGES = (
    "variables.podSpec.containers.map(c, c.image)"
    " + (has(variables.podSpec.initContainers) ? variables.podSpec.initContainers.map(c, c.image) : [])"
    " + (has(variables.podSpec.ephemeralContainers) ? variables.podSpec.ephemeralContainers.map(c, c.image) : [])"
)


def _rules(resources: tuple[tuple[str, str], ...], api_versions: tuple[str, ...] = ("*",)) -> list[Manifest]:
    groups: dict[str, list[str]] = {}
    for group, resource in resources:
        groups.setdefault(group, []).append(resource)
    return [
        {
            "apiGroups": [group],
            "apiVersions": list(api_versions),
            "operations": ["CREATE", "UPDATE"],
            "resources": names,
        }
        for group, names in groups.items()
    ]


def _policy(name: str, resources: tuple[tuple[str, str], ...], spec: dict[str, Any]) -> list[Manifest]:
    """A policy and its binding to every tenant namespace (Deny: the request is refused)."""
    policy_name = f"provcloud-{name}"
    return [
        {
            "apiVersion": API_VERSION,
            "kind": "ValidatingAdmissionPolicy",
            "metadata": metadata(policy_name),
            "spec": {"failurePolicy": "Fail", "matchConstraints": {"resourceRules": _rules(resources)}, **spec},
        },
        {
            "apiVersion": API_VERSION,
            "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": metadata(policy_name),
            "spec": {
                "policyName": policy_name,
                "validationActions": ["Deny"],
                "matchResources": {"namespaceSelector": {"matchLabels": {labels.TENANT: "true"}}},
            },
        },
    ]


def guardrail_objects(province: Province) -> list[Manifest]:
    mirror = province.platform.registry_mirror.rstrip("/") + "/"
    domain = province.platform.ingress_domain
    return [
        *_policy(
            "registry-mirror-only",
            WORKLOAD_RESOURCES,
            {
                "variables": [{"name": "podSpec", "expression": _POD_SPEC}, {"name": "images", "expression": _IMAGES}],
                "validations": [
                    {
                        "expression": f"variables.images.all(i, i.startsWith('{mirror}'))",
                        "messageExpression": (
                            f"'images must come from the province registry mirror {mirror} — pull them through it "
                            f"and use e.g. {mirror}library/nginx:1.27; not allowed: ' + "
                            f"variables.images.filter(i, !i.startsWith('{mirror}')).join(', ')"
                        ),
                        "reason": "Forbidden",
                    }
                ],
            },
        ),
        *_policy(
            "ingress-hosts",
            (("networking.k8s.io", "ingresses"),),
            {
                "variables": [
                    {
                        "name": "domain",
                        "expression": f"namespaceObject.metadata.labels['{labels.AGENCY}'] + '.{domain}'",
                    },
                    {
                        "name": "hosts",
                        "expression": (
                            "(has(object.spec.rules) ? object.spec.rules.filter(r, has(r.host)).map(r, r.host) : [])"
                            " + (has(object.spec.tls) ? object.spec.tls.filter(t, has(t.hosts))"
                            ".map(t, t.hosts).flatten() : [])"
                        ),
                    },
                ],
                "validations": [
                    {
                        "expression": (
                            "variables.hosts.all(h, h == variables.domain || h.endsWith('.' + variables.domain))"
                        ),
                        "messageExpression": (
                            "'an Ingress in this namespace may only serve ' + variables.domain + ' and names under it; "
                            "not allowed: ' + variables.hosts.filter(h, h != variables.domain && "
                            "!h.endsWith('.' + variables.domain)).join(', ')"
                        ),
                        "reason": "Forbidden",
                    }
                ],
            },
        ),
        *_policy(
            "no-node-ports",
            (("", "services"),),
            {
                "validations": [
                    {
                        "expression": "!has(object.spec.type) || !(object.spec.type in ['NodePort', 'LoadBalancer'])",
                        "messageExpression": (
                            "'Service ' + object.metadata.name + ': type ' + object.spec.type + ' is not allowed for "
                            "tenants; use type ClusterIP and publish it through an Ingress under your agency domain'"
                        ),
                        "reason": "Forbidden",
                    }
                ],
            },
        ),
        *_policy(
            "vm-instancetype",
            (("kubevirt.io", "virtualmachines"),),
            {
                "validations": [
                    {
                        "expression": "has(object.spec.instancetype) && has(object.spec.instancetype.name)",
                        "messageExpression": (
                            "'VirtualMachine ' + object.metadata.name + ' must name an instancetype "
                            "(spec.instancetype.name): one of the province sizes "
                            + ", ".join(sorted(province.platform.instance_types))
                            + "'"
                        ),
                        "reason": "Invalid",
                    }
                ],
            },
        ),
    ]


class Guardrails(pulumi.ComponentResource):
    """The admission policies every tenant namespace is held to (created once per cluster)."""

    TYPE = "provcloud:platform:Guardrails"

    def __init__(self, province: Province, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(self.TYPE, f"{province.slug}-guardrails", None, opts)
        self.manifests = guardrail_objects(province)
        declare_all(self.manifests, pulumi.ResourceOptions(parent=self))
        self.register_outputs(
            {"policies": [m["metadata"]["name"] for m in self.manifests if m["kind"] == "ValidatingAdmissionPolicy"]}
        )
