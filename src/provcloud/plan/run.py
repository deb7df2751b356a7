"""Make a plan: run the stack program offline, then validate and judge what it declares."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provcloud.catalogue import CatalogueError, Province, load_province
from provcloud.catalogue.hosted import load_provider
from provcloud.errors import UserError
from provcloud.plan.admission_check import check_admission_policies
from provcloud.plan.capture import Capture, ProgramError, run_program
from provcloud.plan.cloud_init_check import check_cloud_init
from provcloud.plan.image_import_check import check_image_import
from provcloud.plan.model import Plan, SchemaError, kubernetes_objects
from provcloud.plan.policies import policy_config, run_policies
from provcloud.plan.stack_config import CATALOGUE_KEY, PROVIDER_CATALOGUE_KEY, Stack, find_provider_stack, find_stack
from provcloud.plan.validation import validate_objects
from provcloud.platform.program import share_validated
from provcloud.project import display_path
from provcloud.provider.settings import provider_stack_name

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


Check = Callable[[], tuple[list[SchemaError], str]]


def capture_stack(stack: Stack, references: dict[str, dict[str, Any]] | None = None) -> Capture:
    try:
        return run_program(stack.program, stack.config, stack.project, stack.name, references=references)
    except ProgramError as error:
        raise UserError(f"the {stack.project} stack refused to run: {error}") from error


_PROVIDER_OUTPUTS: dict[tuple[Path, int], dict[str, Any]] = {}


def provider_outputs(root: Path, provider: str) -> dict[str, Any]:
    """The outputs of the provider's stack as its offline plan computes them (once per catalogue
    version in a process): what a hosted province's StackReference reads."""
    stack = find_provider_stack(root, provider)
    catalogue = Path(stack.config[PROVIDER_CATALOGUE_KEY])
    key = (catalogue.resolve(), catalogue.stat().st_mtime_ns if catalogue.is_file() else 0)
    if key not in _PROVIDER_OUTPUTS:
        _PROVIDER_OUTPUTS[key] = capture_stack(stack).outputs
    return _PROVIDER_OUTPUTS[key]


def _references(province: Province, stack: Stack) -> dict[str, dict[str, Any]] | None:
    if province.hosting is None:
        return None
    root = stack.program.parent.parent.parent
    provider = province.hosting.provider
    return {provider_stack_name(provider): provider_outputs(root, provider)}


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


def _judge(
    plan: Plan,
    capture: Capture,
    checks: tuple[Check, ...],
    config: dict[str, Any],
    pack_dir: Path,
    timings: Timings,
    on_phase: Callable[[str], None] = _quiet,
) -> Plan:
    on_phase("schema")
    started = time.perf_counter()
    plan.schema_errors, plan.warnings = validate_objects(plan.objects, plan.kubernetes_version)
    timings.schema = time.perf_counter() - started
    # Each consumer check: its refusals, and a line saying what it judged (or skipped, and why) and
    # how long it took — a user sees what the checks cost.
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
    plan.violations = run_policies(pack_dir, capture.resources, config)
    timings.policies = time.perf_counter() - started
    return plan


def make_plan(
    province: Province,
    stack: Stack,
    pack_dir: Path,
    timings: Timings | None = None,
    on_phase: Callable[[str], None] = _quiet,
) -> Plan:
    timings = timings or Timings()
    on_phase("program")
    catalogue = stack.config.get(CATALOGUE_KEY)
    if catalogue:
        share_validated(Path(catalogue), province)
    references = _references(province, stack)
    started, cpu = time.perf_counter(), time.process_time()
    capture = capture_stack(stack, references)
    timings.program, timings.program_cpu = time.perf_counter() - started, time.process_time() - cpu

    version = province.platform.kubernetes_version
    plan = Plan(province.slug, version, kubernetes_objects(capture.resources), capture.outputs)
    checks: tuple[Check, ...] = (
        lambda: check_admission_policies(plan.objects, version),
        lambda: check_cloud_init(plan.objects),
        lambda: check_image_import(plan.objects, province),
    )
    return _judge(plan, capture, checks, policy_config(province), pack_dir, timings, on_phase)


def make_provider_plan(stack: Stack, pack_dir: Path, timings: Timings | None = None) -> Plan:
    """The provider's stack planned the same way: schema, the API server's CEL, the policy pack."""
    timings = timings or Timings()
    catalogue = Path(stack.config[PROVIDER_CATALOGUE_KEY])
    try:
        provider = load_provider(catalogue).provider
    except CatalogueError as error:
        raise UserError("\n".join(str(problem) for problem in error.problems)) from error
    started, cpu = time.perf_counter(), time.process_time()
    capture = capture_stack(stack)
    timings.program, timings.program_cpu = time.perf_counter() - started, time.process_time() - cpu
    version = provider.cluster.kubernetes_version
    plan = Plan(provider.slug, version, kubernetes_objects(capture.resources), capture.outputs, stack="provider")
    checks: tuple[Check, ...] = (lambda: check_admission_policies(plan.objects, version),)
    return _judge(plan, capture, checks, {}, pack_dir, timings)
