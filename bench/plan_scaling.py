"""How `provcloud plan` scales: synthetic provinces of 130, 1,000 and 4,000 agencies and every
province of provinces/; wall and CPU time, peak memory, and the component layer's overhead against
a floor that registers the same objects directly (bench/floor/, same mock runtime).

Targets (issue 3): 130 agencies ≤ 5 s; 1,000 ≤ 30 s; linear growth; overhead ≤ 1.3×.
Each measurement runs in its own process, so peak memory (max RSS) is that run's alone.

    .venv/bin/python bench/plan_scaling.py                 # everything (make bench)
    .venv/bin/python bench/plan_scaling.py --sizes 130 1000 --no-floor
    .venv/bin/python bench/plan_scaling.py --profile 1000  # pyinstrument profile of one plan
"""

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from provcloud.project import catalogue_files

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {130: 5.0, 1000: 30.0}
OVERHEAD_TARGET = 1.3
REPEATS = 3


def measure(catalogue: Path, mode: str) -> dict[str, float]:
    """One plan in this process (called in a child): phases, objects, peak memory."""
    from provcloud.catalogue import load_province
    from provcloud.plan.capture import run_program
    from provcloud.plan.run import Timings, make_plan
    from provcloud.plan.stack_config import find_stack

    os.environ["PROVCLOUD_ROOT"] = str(ROOT)
    started, cpu = time.perf_counter(), time.process_time()
    province = load_province(catalogue)
    stack = find_stack(ROOT, province.slug, catalogue)
    load = time.perf_counter() - started
    result: dict[str, float] = {"load": load}
    if mode == "plan":
        timings = Timings()
        plan = make_plan(province, stack, ROOT / "policies", timings)
        assert not plan.failed, f"the plan of {catalogue} failed: {plan.schema_errors[:3]} {plan.violations[:3]}"
        result.update(
            program=timings.program,
            program_cpu=timings.program_cpu,
            schema=timings.schema,
            consumers=timings.consumers,
            policies=timings.policies,
            objects=len(plan.objects),
        )
    else:
        program = stack.program if mode == "components" else ROOT / "bench" / "floor" / "__main__.py"
        began, began_cpu = time.perf_counter(), time.process_time()
        capture = run_program(program, stack.config, stack.project, stack.name)
        result.update(
            program=time.perf_counter() - began,
            program_cpu=time.process_time() - began_cpu,
            resources=len(capture.resources),
        )
    result["wall"] = time.perf_counter() - started
    result["cpu"] = time.process_time() - cpu
    result["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def child(catalogue: Path, mode: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(catalogue), mode], capture_output=True, text=True, check=False
    )
    if output.returncode != 0:
        raise SystemExit(f"measuring {catalogue} ({mode}) failed:\n{output.stderr[-3000:]}")
    measured: dict[str, float] = json.loads(output.stdout.strip().splitlines()[-1])
    return measured


def synthetic(agencies: int, folder: Path) -> Path:
    from provcloud.catalogue.synth import synthesize
    from provcloud.catalogue.writer import dump_province

    target = folder / f"synth-{agencies}.yml"
    dump_province(synthesize(agencies, seed=1), target, header=f"# benchmark: {agencies} agencies\n")
    return target


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB, Python {platform.python_version()}, load average {load:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[130, 1000, 4000])
    parser.add_argument("--no-floor", action="store_true", help="Skip the component-overhead comparison.")
    parser.add_argument(
        "--floor-sizes", type=int, nargs="+", default=[130, 1000], help="Sizes compared with the floor."
    )
    parser.add_argument("--profile", type=int, metavar="AGENCIES", help="Profile one plan with pyinstrument.")
    parser.add_argument("--child", nargs=2, metavar=("CATALOGUE", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(Path(args.child[0]), args.child[1])))
        return
    with tempfile.TemporaryDirectory(prefix="provcloud-bench-") as folder:
        if args.profile:
            catalogue = synthetic(args.profile, Path(folder))
            subprocess.run(
                [sys.executable, "-m", "pyinstrument", "-r", "text", __file__, "--child", str(catalogue), "plan"],
                check=True,
            )
            return
        print(f"machine: {machine()}")
        print(f"{'province':<20}{'objects':>8}{'wall s':>8}{'cpu s':>7}{'program':>8}{'(cpu)':>7}", end="")
        print(f"{'schema':>7}{'checks':>7}{'policies':>9}{'MiB':>6}  target (wall; cpu)")
        rows = [(f.stem, f) for f in catalogue_files(ROOT / "provinces")]
        rows += [(f"synthetic {n}", synthetic(n, Path(folder))) for n in args.sizes]
        per_object: list[float] = []
        for label, catalogue in rows:
            r = child(catalogue, "plan")
            agencies = int(label.split()[1]) if label.startswith("synthetic") else 0
            target = TARGETS.get(agencies)
            verdict = ""
            if target is not None:
                verdict = f"≤ {target:.0f} s: {_met(r['wall'] <= target)}; {_met(r['cpu'] <= target)}"
            print(
                f"{label:<20}{r['objects']:>8.0f}{r['wall']:>8.2f}{r['cpu']:>7.2f}{r['program']:>8.2f}"
                f"{r['program_cpu']:>7.2f}{r['schema']:>7.2f}{r['consumers']:>7.2f}{r['policies']:>9.2f}"
                f"{r['max_rss_mib']:>6.0f}  {verdict}"
            )
            if agencies:
                per_object.append(r["program_cpu"] / r["objects"] * 1000)
        if per_object:
            print(f"program CPU ms per object: {', '.join(f'{v:.2f}' for v in per_object)} (flat = linear growth)")
        if args.no_floor:
            return
        print(
            f"\ncomponent overhead: program phase CPU, median of {REPEATS} alternating runs, same objects and mock "
            f"runtime (floor: bench/floor/); target ≤ {OVERHEAD_TARGET}×"
        )
        print(f"{'province':<20}{'floor res.':>11}{'stack res.':>11}{'floor s':>9}{'stack s':>9}{'ratio':>7}")
        for n in args.floor_sizes:
            catalogue = Path(folder) / f"synth-{n}.yml"
            if not catalogue.is_file():
                synthetic(n, Path(folder))
            floors, stacks = [], []
            for _ in range(REPEATS):
                floors.append(child(catalogue, "floor"))
                stacks.append(child(catalogue, "components"))
            floor_cpu = statistics.median(r["program_cpu"] for r in floors)
            stack_cpu = statistics.median(r["program_cpu"] for r in stacks)
            ratio = stack_cpu / floor_cpu
            print(
                f"{'synthetic ' + str(n):<20}{floors[0]['resources']:>11.0f}{stacks[0]['resources']:>11.0f}"
                f"{floor_cpu:>9.2f}{stack_cpu:>9.2f}{ratio:>6.2f}×  {_met(ratio <= OVERHEAD_TARGET)}"
            )


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


if __name__ == "__main__":
    main()
