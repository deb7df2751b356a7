"""Can CDI's importer fetch each VM's root disk image? For every VirtualMachine whose
dataVolumeTemplates import over HTTP(S), the importer pod CDI starts in the VM's namespace (labelled
`app: containerized-data-importer`, `cdi.kubevirt.io: importer`) must be let out by that namespace's
NetworkPolicies to the image host on the URL's port — judged by the NetworkPolicy semantics a CNI
enforces (a pod selected by any egress policy may only reach what one of their rules allows; an
ipBlock matches an address inside its cidr and outside its excepts). Without that egress the import
never finishes and the VM never boots."""

from ipaddress import IPv4Address, IPv4Network, ip_address
from typing import Any
from urllib.parse import urlsplit

from provcloud.catalogue import Province
from provcloud.label_selector import selects
from provcloud.plan.model import PlannedObject, SchemaError

IMPORTER_LABELS = {"app": "containerized-data-importer", "cdi.kubevirt.io": "importer"}


def _is_egress(policy: dict[str, Any]) -> bool:
    spec = policy.get("spec") or {}
    types = spec.get("policyTypes")
    return "Egress" in types if types else "egress" in spec


def _peer_allows(peer: dict[str, Any], address: IPv4Address) -> bool:
    block = peer.get("ipBlock")
    if block is None:
        return False  # namespace and pod selectors match pods, never an address outside the cluster
    return address in IPv4Network(block["cidr"]) and not any(
        address in IPv4Network(cidr) for cidr in block.get("except") or []
    )


def _rule_allows(rule: dict[str, Any], address: IPv4Address, port: int) -> bool:
    ports = rule.get("ports")
    port_ok = not ports or any(
        p.get("protocol", "TCP") == "TCP" and (p.get("port") is None or int(p["port"]) == port) for p in ports
    )
    peers = rule.get("to")
    return port_ok and (not peers or any(_peer_allows(peer, address) for peer in peers))


def importer_may_reach(policies: list[dict[str, Any]], address: IPv4Address, port: int) -> bool:
    selecting = [
        p
        for p in policies
        if _is_egress(p) and selects((p.get("spec") or {}).get("podSelector") or {}, IMPORTER_LABELS)
    ]
    if not selecting:
        return True
    return any(_rule_allows(rule, address, port) for p in selecting for rule in (p["spec"].get("egress") or []))


def _http_sources(vm: dict[str, Any]) -> list[str]:
    templates = (vm.get("spec") or {}).get("dataVolumeTemplates") or []
    return [
        url for t in templates if (url := (((t.get("spec") or {}).get("source") or {}).get("http") or {}).get("url"))
    ]


def check_image_import(objects: list[PlannedObject], province: Province) -> tuple[list[SchemaError], str]:
    policies: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        if obj.kind == "NetworkPolicy" and obj.namespace:
            policies.setdefault(obj.namespace, []).append(obj.manifest)
    errors: list[SchemaError] = []
    checked = 0
    for obj in objects:
        if obj.kind != "VirtualMachine" or not obj.namespace:
            continue
        for url in _http_sources(obj.manifest):
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            try:
                addresses = [ip_address(parts.hostname or "")]
            except ValueError:
                addresses = [c.network_address for c in province.platform.os_image.addresses or []]
            if not addresses:
                return errors, (
                    f"CDI image import: not checked — {parts.hostname} is a name and platform.os_image.addresses "
                    "is not set, so no NetworkPolicy can be judged against it"
                )
            for address in addresses:
                checked += 1
                if not isinstance(address, IPv4Address) or not importer_may_reach(
                    policies.get(obj.namespace, []), address, port
                ):
                    errors.append(
                        SchemaError(
                            obj.display,
                            "spec.dataVolumeTemplates",
                            f"CDI's importer pod in {obj.namespace} may not reach {address}:{port} ({url}): the "
                            "namespace's NetworkPolicies give it no egress there, so the import never completes",
                        )
                    )
    return errors, f"CDI image import: {checked} import path(s) judged against the namespaces' NetworkPolicies"
