"""What a plan holds: the Kubernetes objects the stack declares, their schema errors and the policy
violations, in a shape that is easy to print, diff and serialise."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from provcloud.plan.capture import CapturedResource

CLUSTER_SCOPE = "_cluster"


@dataclass(frozen=True)
class PlannedObject:
    api_version: str
    kind: str
    name: str
    namespace: str | None
    urn: str
    manifest: dict[str, Any]

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity across revisions: the same object on the cluster."""
        return (self.api_version, self.kind, self.namespace or "", self.name)

    @property
    def display(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"

    @property
    def file(self) -> str:
        """Where `--out` writes it: `<namespace or _cluster>/<kind>-<name>.yaml`."""
        return f"{self.namespace or CLUSTER_SCOPE}/{self.kind.lower()}-{self.name}.yaml"

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "apiVersion": self.api_version,
            "name": self.name,
            "namespace": self.namespace,
            "urn": self.urn,
        }


def kubernetes_objects(resources: list[CapturedResource]) -> list[PlannedObject]:
    """The Kubernetes objects among captured resources (not components, not the provider), in a
    stable order: cluster-scoped first, then by namespace, kind and name."""
    objects = []
    for resource in resources:
        if not resource.custom or not resource.type.startswith("kubernetes:"):
            continue
        manifest = resource.inputs
        meta = manifest.get("metadata") or {}
        ordered = {"apiVersion": manifest.get("apiVersion"), "kind": manifest.get("kind"), "metadata": meta}
        ordered.update({key: value for key, value in manifest.items() if key not in ordered})
        objects.append(
            PlannedObject(
                api_version=str(manifest.get("apiVersion")),
                kind=str(manifest.get("kind")),
                name=str(meta.get("name")),
                namespace=meta.get("namespace"),
                urn=resource.urn,
                manifest=ordered,
            )
        )
    return sorted(objects, key=lambda o: (o.namespace or "", o.kind, o.name))


@dataclass(frozen=True)
class SchemaError:
    object: str
    """The object as a person names it: `NetworkPolicy demo-so-khcn/default-deny`."""
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.object}: {self.path or '(root)'}: {self.message}"


@dataclass(frozen=True)
class Violation:
    policy: str
    resource: str
    message: str
    enforcement: str

    @property
    def mandatory(self) -> bool:
        return self.enforcement == "mandatory"


@dataclass
class Plan:
    province: str
    kubernetes_version: str
    objects: list[PlannedObject]
    outputs: dict[str, Any] = field(default_factory=dict)
    schema_errors: list[SchemaError] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    """Which consumers' own code judged the objects (or which check was skipped, and why)."""
    stack: str = "province"
    """Whose stack it is: a province's platform, or a provider's (`province` then holds its slug)."""

    @property
    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(o.kind for o in self.objects).items()))

    @property
    def failed(self) -> bool:
        return bool(self.schema_errors) or any(v.mandatory for v in self.violations)

    def as_json(self) -> dict[str, Any]:
        return {
            "province": self.province,
            "resources": [o.summary() for o in self.objects],
            "counts": self.counts,
            "violations": [
                {"policy": v.policy, "resource": v.resource, "message": v.message, "enforcement": v.enforcement}
                for v in self.violations
            ],
            "schemaErrors": [str(e) for e in self.schema_errors],
            "warnings": self.warnings,
            "checks": self.checks,
        }
