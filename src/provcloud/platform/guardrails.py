"""Guardrails: cluster-wide ValidatingAdmissionPolicies that hold every tenant namespace to the
province's rules, with messages a tenant understands. Native objects only (admissionregistration.k8s.io/v1).

On a province's own cluster they are `provcloud-<rule>` bound to every tenant namespace. A provider's
cluster holds several provinces' tenants, each with its own domain and platform team: there the
provider's stack declares each hosted province's set as `provcloud-<province>-<rule>`, bound to the
tenant namespaces labelled with that province only."""

import re
from typing import Any
from urllib.parse import urlsplit

import pulumi

from provcloud.catalogue import Province
from provcloud.platform import labels
from provcloud.platform.objects import Manifest, declare, metadata

API_VERSION = "admissionregistration.k8s.io/v1"
WORKLOAD_RESOURCES = (
    ("", "pods"),
    # Ephemeral containers arrive through this subresource, not as an update of the pod.
    ("", "pods/ephemeralcontainers"),
    ("", "replicationcontrollers"),
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


CREATE_UPDATE = ("CREATE", "UPDATE")
VM_RESOURCES = (
    ("kubevirt.io", "virtualmachines"),
    ("kubevirt.io", "virtualmachineinstances"),
    ("kubevirt.io", "virtualmachineinstancereplicasets"),
    ("pool.kubevirt.io", "virtualmachinepools"),
    ("instancetype.kubevirt.io", "virtualmachineinstancetypes"),
)
"""Every kind that starts a VM or sizes one in a namespace. Tenants may create only VirtualMachines:
the VM-count quota counts those, and only they are held to the province's sizes."""
MANAGED_RESOURCES = (
    ("", "resourcequotas"),
    ("", "limitranges"),
    ("networking.k8s.io", "networkpolicies"),
    ("rbac.authorization.k8s.io", "rolebindings"),
)


def _rules(resources: tuple[tuple[str, str], ...], operations: tuple[str, ...] = CREATE_UPDATE) -> list[Manifest]:
    groups: dict[str, list[str]] = {}
    for group, resource in resources:
        groups.setdefault(group, []).append(resource)
    return [
        {"apiGroups": [group], "apiVersions": ["*"], "operations": list(operations), "resources": names}
        for group, names in groups.items()
    ]


def cel_list(values: list[str]) -> str:
    """A CEL list literal of strings. Every value comes from a catalogue field whose pattern admits
    no quote or backslash, so single quotes cannot be broken out of."""
    return "[" + ", ".join(f"'{value}'" for value in values) + "]"


def _not_platform(province: Province, *service_account_namespaces: str) -> list[Manifest]:
    """matchConditions: the request is not from the platform's own identities (the groups that apply
    the stack, Kubernetes' controllers in kube-system, and the given namespaces' service accounts)."""
    prefixes = [f"system:serviceaccount:{namespace}:" for namespace in ("kube-system", *service_account_namespaces)]
    return [
        {
            "name": "not-the-platform",
            "expression": (
                f"!request.userInfo.groups.exists(g, g in {cel_list(province.platform.platform_groups)})"
                f" && !{cel_list(prefixes)}.exists(p, request.userInfo.username.startsWith(p))"
            ),
        }
    ]


def _policy(
    province: Province,
    name: str,
    resources: tuple[tuple[str, str], ...],
    spec: dict[str, Any],
    operations: tuple[str, ...] = CREATE_UPDATE,
) -> list[Manifest]:
    """A policy and its binding to the province's tenant namespaces (Deny: the request is refused)."""
    hosted = province.hosting is not None
    policy_name = f"provcloud-{province.slug}-{name}" if hosted else f"provcloud-{name}"
    selected = {labels.TENANT: "true", **({labels.PROVINCE: province.slug} if hosted else {})}
    return [
        {
            "apiVersion": API_VERSION,
            "kind": "ValidatingAdmissionPolicy",
            "metadata": metadata(policy_name),
            "spec": {
                "failurePolicy": "Fail",
                "matchConstraints": {"resourceRules": _rules(resources, operations)},
                **spec,
            },
        },
        {
            "apiVersion": API_VERSION,
            "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": metadata(policy_name),
            "spec": {
                "policyName": policy_name,
                "validationActions": ["Deny"],
                "matchResources": {"namespaceSelector": {"matchLabels": selected}},
            },
        },
    ]


def _mirror_prefix(province: Province) -> str:
    """What every image of the province's registry mirror starts with."""
    return province.platform.registry_mirror.rstrip("/") + "/"


def _registry_mirror_only(province: Province) -> list[Manifest]:
    mirror = _mirror_prefix(province)
    return _policy(
        province,
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
    )


# Where a VM's disk can come from. Registry and HTTP imports must use the province's mirrors, like
# pods' images; a PVC, a snapshot, an upload or a blank disk brings nothing from outside. The others
# (s3, gcs, imageio, vddk) pull from outside the province.
_DISK_SOURCE_KINDS = ["registry", "http", "pvc", "snapshot", "upload", "blank"]
_VM_SPEC = "object.spec.template.spec"
_VM_HAS_SPEC = "object.kind == 'VirtualMachine' && has(object.spec.template) && has(object.spec.template.spec)"
_DISK_SOURCES = (
    # A DataVolume's source, a DataImportCron's template's, or each dataVolumeTemplate's of a VM.
    "object.kind == 'DataVolume' ? (has(object.spec.source) ? [object.spec.source] : []) : "
    "object.kind == 'DataImportCron' ? (has(object.spec.template) && has(object.spec.template.spec)"
    " && has(object.spec.template.spec.source) ? [object.spec.template.spec.source] : []) : "
    "has(object.spec.dataVolumeTemplates) ? object.spec.dataVolumeTemplates"
    ".filter(t, has(t.spec) && has(t.spec.source)).map(t, t.spec.source) : []"
)
_DISK_IMAGES = (
    # Images KubeVirt runs in the VM's launcher pod: container disks and a kernel-boot container.
    f"({_VM_HAS_SPEC} && has({_VM_SPEC}.volumes) ? {_VM_SPEC}.volumes.filter(v, has(v.containerDisk))"
    ".map(v, v.containerDisk.image) : [])"
    f" + ({_VM_HAS_SPEC} && has({_VM_SPEC}.domain) && has({_VM_SPEC}.domain.firmware)"
    f" && has({_VM_SPEC}.domain.firmware.kernelBoot) && has({_VM_SPEC}.domain.firmware.kernelBoot.container)"
    f" ? [{_VM_SPEC}.domain.firmware.kernelBoot.container.image] : [])"
)
_HOOK_SIDECARS = "hooks.kubevirt.io/hookSidecars"
_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]+)?$")


def _image_origin(province: Province) -> str:
    """`scheme://host[:port]` of the OS image URL, the province's image mirror. Checked against a
    pattern without quotes before it goes into a CEL string literal."""
    url = urlsplit(str(province.platform.os_image.url))
    origin = f"{url.scheme}://{url.netloc}"
    if not _ORIGIN.match(origin):
        raise ValueError(f"platform.os_image.url: {origin!r} cannot be quoted in an admission policy")
    return origin


def _vm_disk_sources(province: Province) -> list[Manifest]:
    mirror = _mirror_prefix(province)
    origin = _image_origin(province) + "/"
    kinds = cel_list(_DISK_SOURCE_KINDS)
    what = "object.kind + ' ' + object.metadata.name"
    return _policy(
        province,
        "vm-disk-sources",
        (
            ("kubevirt.io", "virtualmachines"),
            ("cdi.kubevirt.io", "datavolumes"),
            ("cdi.kubevirt.io", "dataimportcrons"),
        ),
        {
            # KubeVirt's controller makes the DataVolumes of a VM's dataVolumeTemplates, judged on the VM.
            "matchConditions": _not_platform(province, province.platform.kubevirt_namespace),
            "variables": [
                {"name": "sources", "expression": _DISK_SOURCES},
                {"name": "images", "expression": _DISK_IMAGES},
            ],
            "validations": [
                {
                    "expression": f"variables.images.all(i, i.startsWith('{mirror}'))",
                    "messageExpression": (
                        f"{what} + ': disk images must come from the province registry mirror {mirror}; "
                        f"not allowed: ' + variables.images.filter(i, !i.startsWith('{mirror}')).join(', ')"
                    ),
                    "reason": "Forbidden",
                },
                {
                    "expression": f"variables.sources.all(s, s.all(k, k in {kinds}))",
                    "messageExpression": (
                        f"{what} + ': a disk may be imported from the province mirrors (registry, http) or made "
                        "from a pvc, snapshot, upload or blank; not allowed: ' + variables.sources"
                        f".filter(s, s.exists(k, !(k in {kinds}))).map(s, s.filter(k, !(k in {kinds})).join(', '))"
                        ".join(', ')"
                    ),
                    "reason": "Forbidden",
                },
                {
                    "expression": (
                        "variables.sources.filter(s, has(s.registry)).all(s, has(s.registry.url)"
                        f" && s.registry.url.startsWith('docker://{mirror}'))"
                    ),
                    "messageExpression": (
                        f"{what} + ': a registry import must come from the province registry mirror, "
                        f"source.registry.url docker://{mirror}...'"
                    ),
                    "reason": "Forbidden",
                },
                {
                    "expression": (
                        "variables.sources.filter(s, has(s.http)).all(s, has(s.http.url)"
                        f" && s.http.url.startsWith('{origin}'))"
                    ),
                    "messageExpression": (
                        f"{what} + ': an http import must come from the province image mirror, "
                        f"source.http.url {origin}...'"
                    ),
                    "reason": "Forbidden",
                },
                {
                    # A hook sidecar is an image given inside a JSON annotation, which CEL cannot read.
                    "expression": (
                        f"!({_VM_HAS_SPEC}) || !has(object.spec.template.metadata)"
                        " || !has(object.spec.template.metadata.annotations)"
                        f" || !('{_HOOK_SIDECARS}' in object.spec.template.metadata.annotations)"
                    ),
                    "messageExpression": (
                        f"{what} + ': the {_HOOK_SIDECARS} annotation is not allowed for tenants "
                        "(it runs images the province mirror rule cannot see)'"
                    ),
                    "reason": "Forbidden",
                },
            ],
        },
    )


_UNDER_DOMAIN = "(h == variables.domain || h.endsWith('.' + variables.domain))"


def _ingress_hosts(province: Province) -> list[Manifest]:
    domain = province.platform.ingress_domain
    return _policy(
        province,
        "ingress-hosts",
        (("networking.k8s.io", "ingresses"),),
        {
            "variables": [
                {"name": "domain", "expression": f"namespaceObject.metadata.labels['{labels.AGENCY}'] + '.{domain}'"},
                {
                    "name": "ruleHosts",
                    "expression": (
                        "has(object.spec.rules) ? object.spec.rules.filter(r, has(r.host)).map(r, r.host) : []"
                    ),
                },
                {
                    # No flatten(): the API server does not load cel-go's list extension.
                    "name": "foreignTlsHosts",
                    "expression": (
                        "has(object.spec.tls) ? object.spec.tls.filter(t, has(t.hosts)"
                        f" && t.hosts.exists(h, !{_UNDER_DOMAIN})).map(t, t.hosts.filter(h, !{_UNDER_DOMAIN})"
                        ".join(', ')) : []"
                    ),
                },
            ],
            "validations": [
                {
                    "expression": "!has(object.spec.defaultBackend)",
                    "messageExpression": (
                        "'Ingress ' + object.metadata.name + ': spec.defaultBackend is not allowed for tenants (it "
                        "catches every host no other Ingress claims); name your host in a rule under ' + "
                        "variables.domain"
                    ),
                    "reason": "Forbidden",
                },
                {
                    "expression": "!has(object.spec.rules) || object.spec.rules.all(r, has(r.host) && r.host != '')",
                    "messageExpression": (
                        "'Ingress ' + object.metadata.name + ': every rule must name a host (a rule without one "
                        "catches every host); use ' + variables.domain + ' or a name under it'"
                    ),
                    "reason": "Forbidden",
                },
                {
                    "expression": f"variables.ruleHosts.all(h, {_UNDER_DOMAIN})",
                    "messageExpression": (
                        "'an Ingress in this namespace may only serve ' + variables.domain + ' and names under it; "
                        f"not allowed: ' + variables.ruleHosts.filter(h, !{_UNDER_DOMAIN}).join(', ')"
                    ),
                    "reason": "Forbidden",
                },
                {
                    "expression": "size(variables.foreignTlsHosts) == 0",
                    "messageExpression": (
                        "'an Ingress in this namespace may only hold TLS for ' + variables.domain + ' and names "
                        "under it; not allowed: ' + variables.foreignTlsHosts.join(', ')"
                    ),
                    "reason": "Forbidden",
                },
            ],
        },
    )


def _no_node_ports(province: Province) -> list[Manifest]:
    return _policy(
        province,
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
                },
                {
                    # CVE-2020-8554: externalIPs capture in-cluster traffic to any address.
                    "expression": "!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0",
                    "messageExpression": (
                        "'Service ' + object.metadata.name + ': spec.externalIPs is not allowed for tenants "
                        "(it captures cluster traffic to ' + object.spec.externalIPs.join(', ') + ', CVE-2020-8554)'"
                    ),
                    "reason": "Forbidden",
                },
            ]
        },
    )


def _vm_instancetype(province: Province) -> list[Manifest]:
    sizes = sorted(province.platform.instance_types)
    size_list = ", ".join(sizes)
    return _policy(
        province,
        "vm-instancetype",
        VM_RESOURCES,
        {
            "matchConditions": _not_platform(province, province.platform.kubevirt_namespace),
            "validations": [
                {
                    "expression": "object.kind == 'VirtualMachine'",
                    "messageExpression": (
                        "object.kind + ' ' + object.metadata.name + ': tenants may create VirtualMachines only "
                        "(sized by a province instancetype and counted by the namespace quota); create a "
                        "VirtualMachine instead'"
                    ),
                    "reason": "Forbidden",
                },
                {
                    "expression": (
                        "object.kind != 'VirtualMachine' || (has(object.spec.instancetype)"
                        " && (!has(object.spec.instancetype.kind)"
                        " || object.spec.instancetype.kind.lowerAscii() == 'virtualmachineclusterinstancetype')"
                        f" && object.spec.instancetype.name in {cel_list(sizes)})"
                    ),
                    "messageExpression": (
                        "'VirtualMachine ' + object.metadata.name + ' must name one of the province sizes "
                        f"(spec.instancetype: kind VirtualMachineClusterInstancetype, name one of {size_list})'"
                    ),
                    "reason": "Invalid",
                },
            ],
        },
    )


def _managed_objects(province: Province) -> list[Manifest]:
    return _policy(
        province,
        "managed-objects",
        MANAGED_RESOURCES,
        {
            "matchConditions": _not_platform(province),
            "validations": [
                {
                    "expression": (
                        f"!has(oldObject.metadata.labels) || !('{labels.MANAGED_BY}' in oldObject.metadata.labels)"
                        f" || oldObject.metadata.labels['{labels.MANAGED_BY}'] != '{labels.MANAGED_BY_PROVCLOUD}'"
                    ),
                    "messageExpression": (
                        "oldObject.kind + ' ' + oldObject.metadata.name + ' is managed by the province platform "
                        "(provcloud): tenants may not change or delete it; ask the platform team'"
                    ),
                    "reason": "Forbidden",
                }
            ],
        },
        operations=("UPDATE", "DELETE"),
    )


def _tenant_network_policies(province: Province) -> list[Manifest]:
    return _policy(
        province,
        "tenant-egress",
        (("networking.k8s.io", "networkpolicies"),),
        {
            "matchConditions": _not_platform(province),
            "validations": [
                {
                    # NetworkPolicies add up: one more egress policy would undo allow-egress.
                    "expression": (
                        "!has(object.spec.egress) && (!has(object.spec.policyTypes) || "
                        "!('Egress' in object.spec.policyTypes))"
                    ),
                    "messageExpression": (
                        "'NetworkPolicy ' + object.metadata.name + ': tenants may add ingress rules only; egress "
                        "is set by the province platform (allow-egress); ask the platform team for a new egress'"
                    ),
                    "reason": "Forbidden",
                }
            ],
        },
    )


def guardrail_objects(province: Province) -> list[Manifest]:
    return [
        *_registry_mirror_only(province),
        *_ingress_hosts(province),
        *_no_node_ports(province),
        *_vm_instancetype(province),
        *_vm_disk_sources(province),
        *_managed_objects(province),
        *_tenant_network_policies(province),
    ]


def declare_policies(manifests: list[Manifest], opts: pulumi.ResourceOptions) -> None:
    """Declare admission policies and their bindings (and any other object, as is). Each binding waits
    for its policy: the API server refuses a binding whose policy is missing only by ignoring it, which
    would leave the tenants unguarded until the next run."""
    policies: dict[str, pulumi.Resource] = {}
    for manifest in manifests:
        name = manifest["metadata"]["name"]
        after = [policies[name]] if manifest["kind"] == "ValidatingAdmissionPolicyBinding" else []
        declared = declare(manifest, pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=after)))
        if manifest["kind"] == "ValidatingAdmissionPolicy":
            policies[name] = declared


class Guardrails(pulumi.ComponentResource):
    """The admission policies every tenant namespace is held to (created once per cluster)."""

    TYPE = "provcloud:platform:Guardrails"

    def __init__(self, province: Province, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(self.TYPE, f"{province.slug}-guardrails", None, opts)
        self.manifests = guardrail_objects(province)
        declare_policies(self.manifests, pulumi.ResourceOptions(parent=self))
        self.register_outputs(
            {"policies": [m["metadata"]["name"] for m in self.manifests if m["kind"] == "ValidatingAdmissionPolicy"]}
        )
