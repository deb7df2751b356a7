"""Schema validation of planned objects, offline.

Core kinds are checked against the Kubernetes OpenAPI schema of the catalogue's Kubernetes version,
as shipped by kubernetes-validate (strict: unknown fields are errors). The validators are built once
per kind and reused: loading the 1.3 MB definitions file per object would dominate a large plan.
KubeVirt and CDI objects are checked against those projects' own vendored API definitions
(`kubevirt_schema`), plus the cross-field rules their webhooks apply (interfaces match networks,
disks have volumes). Multus publishes no OpenAPI document here: a NetworkAttachmentDefinition is
checked for the CNI config its controller requires.
"""

import json
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import jsonschema
import kubernetes_validate.utils as kv
import referencing
import referencing.jsonschema
from packaging.version import Version

from provcloud.plan import kubevirt_schema
from provcloud.plan.model import PlannedObject, SchemaError


def supported_versions() -> list[str]:
    return sorted({kv.major_minor(v) for v in kv.all_versions()}, key=Version)


def schema_version(wanted: str) -> tuple[str, str | None]:
    """The schema version to validate against and, when it is not `wanted`, a warning saying so."""
    versions = supported_versions()
    if wanted in versions:
        return wanted, None
    nearest = min(versions, key=lambda v: (abs(Version(v).minor - Version(wanted).minor), -Version(v).minor))
    return nearest, (
        f"kubernetes-validate has no schema for Kubernetes {wanted} (it has {versions[0]}–{versions[-1]}): "
        f"objects were validated against {nearest}, the nearest version; upgrade kubernetes-validate for an exact check"
    )


@cache
def _definitions(version: str) -> dict[str, Any]:
    full = next(v for v in kv.all_versions() if kv.major_minor(v) == version)
    data: dict[str, Any] = kv.schema_contents(f"kubernetes-json-schema/v{full}-local-strict/_definitions.json", full)
    return data


@cache
def _validator(version: str, kind: str, api_version: str) -> jsonschema.protocols.Validator | None:
    full = next(v for v in kv.all_versions() if kv.major_minor(v) == version)
    group_version = api_version.split("/")
    api = f"{group_version[0].split('.')[0]}-{group_version[1]}" if len(group_version) == 2 else group_version[0]
    try:
        schema = kv.schema_contents(f"kubernetes-json-schema/v{full}-local-strict/{kind.lower()}-{api}.json", full)
    except FileNotFoundError:
        return None
    registry: referencing.Registry[Any] = (
        referencing.Registry()
        .with_resources(
            [
                (
                    "",
                    referencing.Resource.from_contents(
                        schema, default_specification=referencing.jsonschema.DRAFT202012
                    ),
                ),
                (
                    "_definitions.json",
                    referencing.Resource.from_contents(
                        _definitions(version), default_specification=referencing.jsonschema.DRAFT202012
                    ),
                ),
            ]
        )
        .crawl()
    )
    validator: jsonschema.protocols.Validator = jsonschema.Draft202012Validator(schema, registry=registry)
    return validator


def _require(manifest: dict[str, Any], *paths: str) -> Iterator[tuple[str, str]]:
    for path in paths:
        node: Any = manifest
        for key in path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if node in (None, "", [], {}):
            yield path, "required field is missing"


def _virtual_machine(manifest: dict[str, Any]) -> Iterator[tuple[str, str]]:
    yield from _require(manifest, "spec.template.spec.domain.devices", "spec.instancetype.name")
    spec = manifest.get("spec") or {}
    if "running" not in spec and "runStrategy" not in spec:
        yield "spec", "one of running or runStrategy is required"
    template = (spec.get("template") or {}).get("spec") or {}
    interfaces = {i.get("name") for i in ((template.get("domain") or {}).get("devices") or {}).get("interfaces") or []}
    networks = {n.get("name") for n in template.get("networks") or []}
    if interfaces != networks:
        yield "spec.template.spec.networks", f"interfaces {sorted(interfaces)} and networks {sorted(networks)} differ"
    volumes = {v.get("name") for v in template.get("volumes") or []}
    disks = {d.get("name") for d in ((template.get("domain") or {}).get("devices") or {}).get("disks") or []}
    if disks - volumes:
        yield "spec.template.spec.domain.devices.disks", f"disks without a volume: {sorted(disks - volumes)}"
    for i, template_volume in enumerate(spec.get("dataVolumeTemplates") or []):
        for path, message in _require(
            template_volume, "metadata.name", "spec.source", "spec.storage.resources.requests.storage"
        ):
            yield f"spec.dataVolumeTemplates[{i}].{path}", message


def _network_attachment(manifest: dict[str, Any]) -> Iterator[tuple[str, str]]:
    config = (manifest.get("spec") or {}).get("config")
    try:
        parsed = json.loads(config) if isinstance(config, str) else None
    except json.JSONDecodeError as error:
        yield "spec.config", f"not JSON: {error}"
        return
    if not isinstance(parsed, dict) or not parsed.get("type") or not parsed.get("cniVersion"):
        yield "spec.config", "a CNI config with cniVersion and type is required"


# Cross-field rules the schemas cannot state (a VirtualMachineClusterInstancetype needs none: KubeVirt's
# own definition requires its cpu.guest and memory.guest).
EXTENSION_KINDS: dict[tuple[str, str], Callable[[dict[str, Any]], Iterator[tuple[str, str]]]] = {
    ("kubevirt.io/v1", "VirtualMachine"): _virtual_machine,
    ("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition"): _network_attachment,
}


def _shape(manifest: dict[str, Any]) -> str:
    """The object with its names, label and annotation values and subject names replaced by a
    placeholder string. The OpenAPI schema constrains those only to be strings, so two objects
    with the same shape are valid or invalid together: a tenant's objects are validated once per
    shape, not once per tenant. Only valid shapes are remembered; errors always come from the
    object itself."""
    meta = manifest.get("metadata")
    normal = dict(manifest)
    if isinstance(meta, dict):
        normal["metadata"] = {
            key: _placeholders(value) if key in ("name", "namespace", "labels", "annotations") else value
            for key, value in meta.items()
        }
    if isinstance(manifest.get("subjects"), list):
        normal["subjects"] = [
            {**s, "name": _placeholders(s.get("name"))} if isinstance(s, dict) else s for s in manifest["subjects"]
        ]
    return json.dumps(normal, sort_keys=True, default=str)


def _placeholders(value: Any) -> Any:
    if isinstance(value, str):
        return "s"
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return {"k": "s"} if value else {}
    return value


_VALID_SHAPES: set[tuple[str, str, str]] = set()


def validate_object(obj: PlannedObject, version: str) -> list[SchemaError]:
    extension = EXTENSION_KINDS.get((obj.api_version, obj.kind))
    if extension is not None or kubevirt_schema.consumer_of(obj.api_version):
        shape = ("extension", obj.api_version, _shape(obj.manifest))
        if shape in _VALID_SHAPES:
            return []
        problems = list(_require(obj.manifest, "metadata.name")) + kubevirt_schema.validate(obj.manifest)
        if extension is not None:
            problems.extend(extension(obj.manifest))
        if not problems:
            _VALID_SHAPES.add(shape)
        return [SchemaError(obj.display, path, message) for path, message in problems]
    validator = _validator(version, obj.kind, obj.api_version)
    if validator is None:
        return [SchemaError(obj.display, "apiVersion", f"no {obj.kind} in {obj.api_version} for Kubernetes {version}")]
    shape = (version, obj.api_version, _shape(obj.manifest))
    if shape in _VALID_SHAPES:
        return []
    errors = [
        SchemaError(obj.display, ".".join(str(p) for p in error.absolute_path), error.message)
        for error in validator.iter_errors(obj.manifest)
    ]
    if not errors:
        _VALID_SHAPES.add(shape)
    return errors


def validate_objects(objects: list[PlannedObject], wanted_version: str) -> tuple[list[SchemaError], list[str]]:
    version, warning = schema_version(wanted_version)
    errors = [error for obj in objects for error in validate_object(obj, version)]
    return errors, [warning] if warning else []
