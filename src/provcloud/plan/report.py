"""Plan output: a rich summary for people, JSON for tools, Markdown (from `templates/plan/`) for a
pull-request comment, and the objects as YAML files."""

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import jinja2
import yaml
from rich.console import Group
from rich.table import Table

from provcloud.errors import UserError
from provcloud.plan.diff import PlanDiff
from provcloud.plan.model import Plan
from provcloud.platform import labels
from provcloud.project import templates_dir

Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def write_objects(plan: Plan, folder: Path, policy_config: dict[str, Any]) -> int:
    """Each object as `<namespace or _cluster>/<kind>-<name>.yaml`; the folder is replaced whole.
    Also `policy-config.json`, for `pulumi preview --policy-pack-config` in the field."""
    if folder.exists():
        if not folder.is_dir() or (not (folder / "policy-config.json").is_file() and any(folder.iterdir())):
            raise UserError(
                f"{folder} exists and is not a plan output folder: refusing to replace it; pick another --out"
            )
        shutil.rmtree(folder)
    for obj in plan.objects:
        target = folder / obj.file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.dump(obj.manifest, Dumper=Dumper, sort_keys=False, allow_unicode=True), encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "policy-config.json").write_text(json.dumps(policy_config, indent=2) + "\n", encoding="utf-8")
    return len(plan.objects)


def tenants_table(plan: Plan) -> Table:
    per_namespace = Counter(o.namespace for o in plan.objects if o.namespace)
    table = Table(title="Tenants", show_lines=False)
    for column in ("agency", "namespace", "level", "tier", "objects"):
        table.add_column(column, justify="right" if column in ("level", "objects") else "left")
    for obj in plan.objects:
        if obj.kind != "Namespace":
            continue
        object_labels = obj.manifest.get("metadata", {}).get("labels", {})
        if object_labels.get(labels.TENANT) != "true":
            continue
        table.add_row(
            object_labels.get(labels.AGENCY, ""),
            obj.name,
            object_labels.get(labels.SECURITY_LEVEL, ""),
            object_labels.get(labels.TIER, ""),
            str(per_namespace[obj.name] + 1),
        )
    return table


def counts_table(plan: Plan) -> Table:
    table = Table(title=f"Objects of {plan.stack} {plan.province} (Kubernetes {plan.kubernetes_version})")
    table.add_column("kind")
    table.add_column("count", justify="right")
    for kind, count in plan.counts.items():
        table.add_row(kind, str(count))
    table.add_row("[bold]total", f"[bold]{len(plan.objects)}")
    return table


def violations_table(plan: Plan) -> Table:
    table = Table(title="Policy violations")
    for column in ("policy", "enforcement", "resource", "message"):
        table.add_column(column, overflow="fold")
    for violation in plan.violations:
        table.add_row(violation.policy, violation.enforcement, violation.resource, violation.message)
    return table


def count_tenants(plan: Plan) -> int:
    """The tenant namespaces the plan declares: one per agency."""
    return sum(
        1
        for o in plan.objects
        if o.kind == "Namespace" and o.manifest.get("metadata", {}).get("labels", {}).get(labels.TENANT) == "true"
    )


def summary(plan: Plan, max_tenants: int = 40) -> Group:
    parts: list[Any] = [counts_table(plan)]
    tenant_count = count_tenants(plan)
    if tenant_count <= max_tenants:
        parts.append(tenants_table(plan))
    else:
        parts.append(f"{tenant_count} tenants (table left out above {max_tenants}; see --format json)")
    if plan.violations:
        parts.append(violations_table(plan))
    return Group(*parts)


def diff_table(diff: PlanDiff, revision: str) -> Table:
    table = Table(title=f"Changes against {revision}")
    table.add_column("change")
    table.add_column("object", overflow="fold")
    table.add_column("fields", overflow="fold")
    for obj in diff.added:
        table.add_row("[green]+ added", obj.display, "")
    for changed in diff.changed:
        fields = ", ".join(f.path for f in changed.fields[:8]) + (" …" if len(changed.fields) > 8 else "")
        table.add_row("[yellow]~ changed", changed.object.display, fields)
    for obj in diff.removed:
        table.add_row("[red]- removed", obj.display, "")
    return table


def markdown(plan: Plan, diff: PlanDiff | None, revision: str | None) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir() / "plan"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["short"] = _short
    return env.get_template("summary.md.j2").render(plan=plan, diff=diff, revision=revision)


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = text.replace("\n", "⏎").replace("|", "\\|").replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"
