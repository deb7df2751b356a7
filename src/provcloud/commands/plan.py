"""`provcloud plan PROVINCE`: what the platform stack would declare for a province, offline."""

import json
from collections.abc import Callable
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from provcloud.console import err, out
from provcloud.country.topology import TOPOLOGY_FILE, province_picture
from provcloud.errors import UserError
from provcloud.plan.against import plan_objects_at
from provcloud.plan.diff import PlanDiff, diff_plans
from provcloud.plan.policies import policy_config
from provcloud.plan.report import diff_table, markdown, summary, write_objects
from provcloud.plan.run import make_provider_plan, plan_catalogue
from provcloud.plan.stack_config import find_provider_stack
from provcloud.project import catalogue_file, display_path, project_root


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


def plan(
    province: Annotated[
        str | None, typer.Argument(help="A province slug of provinces/, or a path to any catalogue file.")
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write every object as YAML: DIR/<namespace or _cluster>/<kind>-<name>.yaml, and the "
            f"province's topology picture as DIR/{TOPOLOGY_FILE}",
        ),
    ] = None,
    output_format: Annotated[
        Format, typer.Option("--format", help="text (rich), json, or markdown (a PR comment).")
    ] = (Format.text),
    against: Annotated[
        str | None,
        typer.Option(
            "--against", metavar="GIT_REV", help="Also plan the catalogue and code at this revision; show the diff."
        ),
    ] = None,
    provider: Annotated[
        str | None,
        typer.Option("--provider", metavar="SLUG", help="Plan a provider's stack (stacks/provider/) instead."),
    ] = None,
) -> None:
    """Plan a province offline: run the platform stack under Pulumi's mock runtime, validate every
    object against the Kubernetes schema of its version, run the policy pack. Exit 1 on a schema
    error or a mandatory policy violation. `--provider SLUG` plans the provider's stack the same way;
    a hosted province's plan reads the provider's outputs from that offline plan."""
    root = project_root()
    if (province is None) == (provider is None):
        raise UserError("name a province, or a provider with --provider (not both)")
    diff: PlanDiff | None = None
    picture: Callable[[], str] | None = None
    drawn = False
    if provider is not None:
        if against is not None:
            raise UserError("--against plans provinces only")
        result, config = make_provider_plan(find_provider_stack(root, provider), root / "policies"), {}
    else:
        assert province is not None
        file = catalogue_file(province)
        catalogue, stack, result = plan_catalogue(root, file)
        if stack.config_file is None and output_format is Format.text:
            out.print(f"[dim]no stack file for {catalogue.slug}: stack config derived from {display_path(file)}[/]")
        config = policy_config(catalogue)
        picture = partial(province_picture, catalogue, result, file, root)
        if against is not None:
            diff = diff_plans(plan_objects_at(root, against, catalogue.slug, file), result.objects)
    if out_dir is not None:
        written = write_objects(result, out_dir, config)
        drawn = picture is not None and _draw(picture, out_dir / TOPOLOGY_FILE)
        if output_format is Format.text:
            also = f" and its topology picture {TOPOLOGY_FILE}" if drawn else ""
            out.print(f"wrote {written} objects{also} to {display_path(out_dir)}/")

    if output_format is Format.json:
        data = result.as_json()
        if diff is not None:
            data["diff"] = diff.as_json()
        print(json.dumps(data, indent=2, ensure_ascii=False))
    elif output_format is Format.markdown:
        print(markdown(result, diff, against), end="")
        if out_dir is not None and drawn:
            # A job summary shows no local image: the picture travels in the --out folder (CI's artifact).
            print(f"\n**Topology picture:** `{display_path(out_dir / TOPOLOGY_FILE)}` (SVG, in the plan output folder)")
    else:
        for warning in result.warnings:
            err.print(f"[yellow]warning:[/] {warning}")
        out.print(summary(result))
        for check in result.checks:
            out.print(f"[dim]consumer check:[/] {escape(check)}")
        if diff is not None and against is not None:
            out.print(diff_table(diff, against) if not diff.empty else f"no object changes against {against}")
        for error in result.schema_errors:
            err.print(f"[red]refused:[/] {escape(str(error))}")
    mandatory = [v for v in result.violations if v.mandatory]
    if result.failed:
        err.print(
            f"[red]✗[/] plan of {result.province}: {len(result.schema_errors)} schema error(s), "
            f"{len(mandatory)} mandatory policy violation(s)"
        )
        for violation in mandatory:
            err.print(f"  [red]{violation.policy}[/]: {violation.message}")
        raise typer.Exit(1)
    if output_format is Format.text:
        out.print(
            f"[green]✓[/] plan of {result.province}: {len(result.objects)} objects, schema-valid, "
            "no mandatory violation"
        )


def _draw(picture: Callable[[], str], target: Path) -> bool:
    """Write the topology picture; without Graphviz the plan output is still whole: say so, go on."""
    try:
        target.write_text(picture(), encoding="utf-8")
    except UserError as error:
        err.print(f"[yellow]warning:[/] no topology picture: {escape(str(error))}")
        return False
    return True
