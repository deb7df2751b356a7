"""Plan many provinces across worker processes: cached results first, the rest in a pool of
`jobs` processes, each result handed to the progress display as it lands."""

import multiprocessing
import queue
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Protocol

from provcloud.country.cache import ResultCache, province_key, shared_key
from provcloud.country.result import ProvinceResult
from provcloud.country.worker import PhaseEvent, plan_province, start_worker
from provcloud.project import display_path


class Progress(Protocol):
    """What the run tells the display: a province's phase, and each finished province."""

    def start(self) -> None:
        """The workers are started: the display may start its own thread now."""

    def phase(self, stem: str, phase: str) -> None: ...

    def finished(self, result: ProvinceResult) -> None: ...


def _context() -> multiprocessing.context.BaseContext:
    # Forked workers inherit the imported planning code (pulumi, the schemas) instead of importing
    # it again each; the pool is filled before the display starts its thread.
    return multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")


def run_country(
    root: Path, files: list[Path], jobs: int, progress: Progress, use_cache: bool = True
) -> list[ProvinceResult]:
    """Every province's result, in the order of `files`."""
    cache = ResultCache(root)
    shared = shared_key(root)
    keys = {file: province_key(shared, root, file) for file in files}
    results: dict[Path, ProvinceResult] = {}
    to_plan = []
    for file in files:
        began = time.perf_counter()
        hit = cache.get(file, keys[file]) if use_cache else None
        if hit is None:
            to_plan.append(file)
            continue
        hit.cached, hit.seconds = True, time.perf_counter() - began
        results[file] = hit
        progress.finished(hit)
    if not to_plan:
        progress.start()
        return [results[file] for file in files]
    context = _context()
    events: multiprocessing.Queue[PhaseEvent] = context.Queue()
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(to_plan)), mp_context=context, initializer=start_worker, initargs=(events,)
    )
    try:
        # The largest catalogues first: no worker is left with a big province while the others idle.
        biggest_first = sorted(to_plan, key=lambda file: file.stat().st_size, reverse=True)
        pending: dict[Future[ProvinceResult], Path] = {
            pool.submit(plan_province, root, file): file for file in biggest_first
        }
        progress.start()
        while pending:
            done, _ = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            _drain(events, progress)
            for future in done:
                file = pending.pop(future)
                results[file] = _result(future, file)
                cache.put(file, keys[file], results[file])
                progress.finished(results[file])
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return [results[file] for file in files]


def _result(future: "Future[ProvinceResult]", file: Path) -> ProvinceResult:
    """The worker's result; a worker that died (killed, out of memory) fails its province only."""
    try:
        return future.result()
    except BrokenProcessPool as error:
        return ProvinceResult(
            slug=file.stem,
            file=str(display_path(file)),
            failures=[f"{display_path(file)}: the worker planning it died: {error}"],
            internal_error=True,
        )


def _drain(events: "multiprocessing.Queue[PhaseEvent]", progress: Progress) -> None:
    while True:
        try:
            stem, phase = events.get_nowait()
        except queue.Empty:
            return
        progress.phase(stem, phase)
