"""Make a plan: run the stack program offline, then validate and judge what it declares."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from provcloud.catalogue import Province, load_province
from provcloud.errors import UserError
from provcloud.plan.admission_check import check_admission_policies
from provcloud.plan.capture import Capture, ProgramError, run_program
from provcloud.plan.cloud_init_check import check_cloud_init
from provcloud.plan.image_import_check import check_image_import
from provcloud.plan.model import Plan, SchemaError, kubernetes_objects
from provcloud.plan.policies import policy_config, run_policies
from provcloud.plan.stack_config import CATALOGUE_KEY, Stack, find_stack
from provcloud.plan.validation import validate_objects
from provcloud.platform.program import share_validated
from provcloud.project import display_path

PHASES = ("load", "program", "schema", "checks", "policies")
"""A plan's phases in order, as `on_phase` announces them (`provcloud country` shows them)."""


@dataclass
class Timings:
    """Seconds spent per phase, wall clock; `program_cpu` is the program phase's CPU time (the
    benchmark reports it: on a shared machine it is the steadier figure)."""

    program: float = 0.0
    program_cpu: float = 0.0
    schema: float = 0.0
    consumers: float = 0.0
    """The consumers' checks: the API server's CEL, Debian's cloud-init, CDI's import path."""
    policies: float = 0.0


def capture_stack(stack: Stack) -> Capture:
    try:
        return run_program(stack.program, stack.config, stack.project, stack.name)
    except ProgramError as error:
        raise UserError(f"the platform stack refused to run: {error}") from error


def _quiet(phase: str) -> None:
    pass


def plan_catalogue(
    root: Path, file: Path, timings: Timings | None = None, on_phase: Callable[[str], None] = _quiet
) -> tuple[Province, Stack, Plan]:
    """Load a catalogue (its path shown as the user knows it), find its stack, plan it: what
    `provcloud plan` and each worker of `provcloud country` do."""
    on_phase("load")
    province = load_province(display_path(file))
    stack = find_stack(root, province.slug, file)
    return province, stack, make_plan(province, stack, root / "policies", timings, on_phase)


def make_plan(
    province: Province,
    stack: Stack,
    pack_dir: Path,
    timings: Timings | None = None,
    on_phase: Callable[[str], None] = _quiet,
) -> Plan:
    timings = timings or Timings()
    on_phase("program")
    started, cpu = time.perf_counter(), time.process_time()
    catalogue = stack.config.get(CATALOGUE_KEY)
    if catalogue:
        share_validated(Path(catalogue), province)
    capture = capture_stack(stack)
    timings.program, timings.program_cpu = time.perf_counter() - started, time.process_time() - cpu

    plan = Plan(
        province=province.slug,
        kubernetes_version=province.platform.kubernetes_version,
        objects=kubernetes_objects(capture.resources),
        outputs=capture.outputs,
    )
    on_phase("schema")
    started = time.perf_counter()
    version = province.platform.kubernetes_version
    plan.schema_errors, plan.warnings = validate_objects(plan.objects, version)
    timings.schema = time.perf_counter() - started
    # Each consumer check: its refusals, and a line saying what it judged (or skipped, and why) and
    # how long it took — a user sees what the checks cost.
    checks: tuple[Callable[[], tuple[list[SchemaError], str]], ...] = (
        lambda: check_admission_policies(plan.objects, version),
        lambda: check_cloud_init(plan.objects),
        lambda: check_image_import(plan.objects, province),
    )
    on_phase("checks")
    for check in checks:
        began = time.perf_counter()
        refusals, said = check()
        took = time.perf_counter() - began
        timings.consumers += took
        plan.schema_errors.extend(refusals)
        plan.checks.append(f"{said} ({took:.2f} s)")

    on_phase("policies")
    started = time.perf_counter()
    plan.violations = run_policies(pack_dir, capture.resources, policy_config(province))
    timings.policies = time.perf_counter() - started
    return plan
