"""One province's plan in a worker process, summed up as a `ProvinceResult`; each phase it enters
is announced on the queue the parent reads to draw the province's progress bar."""

import contextlib
import io
import time
import traceback
from multiprocessing.queues import Queue
from pathlib import Path

from provcloud.catalogue import CatalogueError
from provcloud.catalogue.province import Province
from provcloud.country.profile import province_profile
from provcloud.country.result import OWN_CLUSTER, ProvinceResult
from provcloud.errors import UserError
from provcloud.plan.model import Plan
from provcloud.plan.report import count_tenants
from provcloud.plan.run import plan_catalogue
from provcloud.project import display_path

PhaseEvent = tuple[str, str]
"""(province file stem, phase) sent by a worker when a plan enters a phase."""

_events: "Queue[PhaseEvent] | None" = None


def start_worker(events: "Queue[PhaseEvent]") -> None:
    """The pool's initializer: where this process announces phases."""
    global _events
    _events = events


def _failure_at(file: str, message: str) -> str:
    """A message that names no file gets the catalogue's, so every failure says where to look."""
    first = message.split(":", 1)[0]
    return message if first.endswith((".yml", ".yaml", ".py", ".json")) else f"{file}: {message}"


def summarise(result: ProvinceResult, province: Province, plan: Plan, root: Path, file: Path) -> None:
    result.host = province.hosting.provider if province.hosting else OWN_CLUSTER
    result.agencies = len(province.agencies)
    result.objects = len(plan.objects)
    result.tenants = count_tenants(plan)
    result.failures += [f"{result.file}: {error}" for error in plan.schema_errors]
    result.failures += [
        f"{result.file}: policy {v.policy}: {v.resource}: {v.message}" for v in plan.violations if v.mandatory
    ]
    result.warnings = list(plan.warnings)
    result.advisory = sum(1 for v in plan.violations if not v.mandatory)
    result.skipped_checks = sum(1 for check in plan.checks if "SKIPPED" in check)
    result.profile = province_profile(province, plan, file, root / "policies")


def plan_province(root: Path, file: Path) -> ProvinceResult:
    """Plan one catalogue; whatever goes wrong becomes the result's failures, never an exception."""
    started = time.perf_counter()
    result = ProvinceResult(slug=file.stem, file=str(display_path(file)))

    def on_phase(phase: str) -> None:
        if _events is not None:
            _events.put((file.stem, phase))

    said = io.StringIO()
    try:
        # What the program logs (pulumi.log without an engine writes to stderr) becomes the
        # result's warnings rather than lines cutting through the progress bars.
        with contextlib.redirect_stderr(said):
            province, _, plan = plan_catalogue(root, file, on_phase=on_phase)
        summarise(result, province, plan, root, file)
    except CatalogueError as error:
        result.failures = [str(problem) for problem in error.problems]
    except UserError as error:
        result.failures = [_failure_at(result.file, str(error))]
    except Exception as error:  # a bug in provcloud: this province fails, the others go on
        where = traceback.extract_tb(error.__traceback__)[-1]
        result.failures = [
            f"{result.file}: internal error planning it: {type(error).__name__}: {error} "
            f"(at {where.filename}:{where.lineno}; run `provcloud plan {result.file}` for the traceback)"
        ]
        result.internal_error = True
    result.warnings += [line.removeprefix("warning: ") for line in said.getvalue().splitlines() if line.strip()]
    result.seconds = result.planned_seconds = time.perf_counter() - started
    return result
