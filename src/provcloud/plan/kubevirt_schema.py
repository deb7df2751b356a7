"""KubeVirt's and CDI's own API definitions, vendored, and the plan's KubeVirt/CDI objects
validated against them as the API server validates a custom resource with strict field
validation: unknown fields and unserved apiVersions or kinds are errors.

The definitions come from the projects' published `api/openapi-spec/swagger.json` (Swagger 2.0;
provenance in `schemas/README.md`). `python -m provcloud.plan.kubevirt_schema SHARED_DIR` re-vendors
them: the kinds each project serves (from its paths' create operations) and the definitions
reachable from the kinds provcloud declares, unedited. Swagger leaves `additionalProperties` open;
the validator closes every object that lists its properties, which is what the API server's
structural schema pruning plus `fieldValidation=Strict` (kubectl's default) amount to."""

import argparse
import copy
import json
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

VENDORED = Path(__file__).parent / "schemas" / "kubevirt.json"
SOURCES = {"KubeVirt": "kubevirt-swagger.json", "CDI": "cdi-swagger.json"}
DECLARED_KINDS = {
    "KubeVirt": ("kubevirt.io/v1/VirtualMachine", "instancetype.kubevirt.io/v1beta1/VirtualMachineClusterInstancetype"),
    "CDI": ("cdi.kubevirt.io/v1beta1/DataVolume",),
}
"""The kinds whose definitions are vendored: the ones the platform stack declares (and CDI's
DataVolume, whose spec each VM's dataVolumeTemplates carry)."""
GROUPS = {
    "kubevirt.io": "KubeVirt",
    "instancetype.kubevirt.io": "KubeVirt",
    "pool.kubevirt.io": "KubeVirt",
    "snapshot.kubevirt.io": "KubeVirt",
    "export.kubevirt.io": "KubeVirt",
    "clone.kubevirt.io": "KubeVirt",
    "migrations.kubevirt.io": "KubeVirt",
    "cdi.kubevirt.io": "CDI",
    "upload.cdi.kubevirt.io": "CDI",
}
_PATH = re.compile(r"^/apis/(?P<group>[^/]+)/(?P<version>[^/]+)/(?:namespaces/\{[^}]+\}/)?(?P<plural>[a-z]+)$")


def consumer_of(api_version: str) -> str | None:
    """The project whose API server or webhook consumes objects of this apiVersion, if KubeVirt's or CDI's."""
    return GROUPS.get(api_version.rpartition("/")[0])


def _served(swagger: dict[str, Any]) -> dict[str, str]:
    """`group/version/Kind` → definition name, from the create (POST) operations of the paths."""
    served = {}
    for path, operations in swagger["paths"].items():
        match = _PATH.match(path)
        post = operations.get("post") if match else None
        if not match or not post:
            continue
        for parameter in post.get("parameters", []):
            ref = (parameter.get("schema") or {}).get("$ref", "")
            if parameter.get("in") == "body" and ref.startswith("#/definitions/"):
                name = ref.removeprefix("#/definitions/")
                served[f"{match['group']}/{match['version']}/{name.rpartition('.')[2]}"] = name
    return dict(sorted(served.items()))


def _reachable(definitions: dict[str, Any], roots: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found[name] = definitions[name]
        pending.extend(re.findall(r'"\$ref": "#/definitions/([^"]+)"', json.dumps(definitions[name])))
    return dict(sorted(found.items()))


def vendor(shared: Path) -> dict[str, Any]:
    """The vendored document, from the projects' swagger files in `shared`."""
    projects: dict[str, Any] = {}
    for project, file in SOURCES.items():
        swagger = json.loads((shared / file).read_text(encoding="utf-8"))
        served = _served(swagger)
        roots = [served[kind] for kind in DECLARED_KINDS[project]]
        projects[project] = {
            "source": file,
            "served": served,
            "definitions": _reachable(swagger["definitions"], roots),
        }
    readme = (shared / "README.md").read_text(encoding="utf-8")
    return {"provenance": readme.strip(), "projects": projects}


@cache
def _document() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VENDORED.read_text(encoding="utf-8"))
    return data


def _closed(schema: Any) -> Any:
    """Every object schema that lists its properties refuses others (strict field validation)."""
    if isinstance(schema, dict):
        closed = {key: _closed(value) for key, value in schema.items()}
        if "properties" in closed and "additionalProperties" not in closed:
            closed["additionalProperties"] = False
        return closed
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    return schema


@cache
def _validator(project: str, definition: str) -> jsonschema.protocols.Validator:
    """Draft 7 rather than Swagger's draft 4: the plan's numbers come back from Pulumi's wire format
    as floats, and only later drafts take 4.0 for the integer 4, as the API server's JSON does."""
    definitions = _closed(copy.deepcopy(_document()["projects"][project]["definitions"]))
    schema = {"definitions": definitions, "$ref": f"#/definitions/{definition}"}
    validator: jsonschema.protocols.Validator = jsonschema.Draft7Validator(schema)
    return validator


def validate(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """(field path, message) for every way KubeVirt or CDI would refuse `manifest`."""
    api_version, kind = str(manifest.get("apiVersion")), str(manifest.get("kind"))
    project = consumer_of(api_version)
    if project is None:
        return []
    served = _document()["projects"][project]["served"]
    definition = served.get(f"{api_version}/{kind}")
    if definition is None:
        kinds = sorted(key.rpartition("/")[2] for key in served if key.rpartition("/")[0] == api_version)
        offered = f"it serves {', '.join(kinds)} there" if kinds else f"it serves nothing in {api_version}"
        return [("apiVersion", f"{project} serves no {kind} in {api_version} ({offered})")]
    if definition not in _document()["projects"][project]["definitions"]:
        return [("kind", f"no vendored {project} schema for {kind}: add it to DECLARED_KINDS and re-vendor")]
    problems = []
    for error in _validator(project, definition).iter_errors(manifest):
        path = ".".join(str(part) for part in error.absolute_path)
        problems.append((path, f"{project} refuses it: {error.message}"))
    problems.extend(_data_volume_templates(manifest))
    return problems


def _data_volume_templates(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """A VM's dataVolumeTemplates become DataVolumes that CDI's webhook judges by CDI's own schema."""
    if manifest.get("kind") != "VirtualMachine":
        return []
    problems = []
    for index, template in enumerate((manifest.get("spec") or {}).get("dataVolumeTemplates") or []):
        for error in _validator("CDI", "v1beta1.DataVolumeSpec").iter_errors(template.get("spec") or {}):
            path = ".".join(str(part) for part in error.absolute_path)
            problems.append(
                (f"spec.dataVolumeTemplates[{index}].spec.{path}".rstrip("."), f"CDI refuses it: {error.message}")
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Re-vendor KubeVirt's and CDI's API definitions")
    parser.add_argument("shared", type=Path, help="the folder with kubevirt-swagger.json, cdi-swagger.json, README.md")
    args = parser.parse_args(argv)
    VENDORED.write_text(json.dumps(vendor(args.shared), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {VENDORED}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
