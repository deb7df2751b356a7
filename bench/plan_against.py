"""The plan of a synthetic province by this checkout beside another checkout of provcloud (an older
revision, with its own virtualenv), alternating, each plan in its own process: the ratio of the
medians says what a change cost, measured in one run on one machine.

    git worktree add --detach ../before 9dd5c09 && make -C ../before venv
    .venv/bin/python bench/plan_against.py ../before --agencies 1000 --rounds 3

`make bench` skips it (it needs the second checkout). Each side generates its synthetic province
with its own generator (seed 1), since the catalogue format may differ between revisions.
"""

import argparse
import importlib.util
import json
import statistics
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
GENERATE = (
    "import sys; from pathlib import Path; sys.path.insert(0, 'bench'); from plan_scaling import synthetic; "
    "print(synthetic(int(sys.argv[1]), Path(sys.argv[2])))"
)
MEASURED = ("wall", "cpu", "objects", "max_rss_mib")


def side(checkout: Path, agencies: int, folder: Path) -> tuple[Path, Path]:
    python = checkout / ".venv" / "bin" / "python"
    if not python.is_file():
        raise SystemExit(f"{checkout}: no .venv (run `make -C {checkout} venv`)")
    made = subprocess.run(
        [str(python), "-c", GENERATE, str(agencies), str(folder)],
        cwd=checkout, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if made.returncode != 0:
        raise SystemExit(f"{checkout}: generating the synthetic province failed:\n{made.stderr[-2000:]}")
    return python, Path(made.stdout.strip().splitlines()[-1])


def plan_once(checkout: Path, python: Path, catalogue: Path) -> dict[str, float]:
    run = subprocess.run(
        [str(python), "bench/plan_scaling.py", "--child", str(catalogue), "plan"],
        cwd=checkout, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if run.returncode != 0:
        raise SystemExit(f"{checkout}: the plan failed:\n{run.stderr[-2000:]}")
    result: dict[str, float] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("other", type=Path, nargs="?", help="the other checkout (with its .venv)")
    parser.add_argument("--agencies", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.other is None:
        print("plan_against: skipped — give the other checkout to compare with (see --help)")
        return
    # plan_scaling is a script beside this one, not a package module.
    spec = importlib.util.spec_from_file_location("plan_scaling", HERE / "bench" / "plan_scaling.py")
    assert spec is not None and spec.loader is not None
    plan_scaling = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plan_scaling)
    print(f"machine: {plan_scaling.machine()}")
    sides = {"this": HERE, "other": args.other.resolve()}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
    with tempfile.TemporaryDirectory() as folder:
        prepared = {}
        for name, checkout in sides.items():
            (Path(folder) / name).mkdir()
            prepared[name] = side(checkout, args.agencies, Path(folder) / name)
        for round_number in range(1, args.rounds + 1):
            for name, checkout in sides.items():
                r = plan_once(checkout, *prepared[name])
                results[name].append(r)
                print(
                    f"round {round_number} {name:<6} objects {r['objects']:.0f}  wall {r['wall']:.2f} s  "
                    f"cpu {r['cpu']:.2f} s  peak {r['max_rss_mib']:.0f} MiB",
                    flush=True,
                )
    medians = {
        name: {key: statistics.median(r[key] for r in runs) for key in MEASURED} for name, runs in results.items()
    }
    for key in ("wall", "cpu", "max_rss_mib"):
        ratio = medians["this"][key] / medians["other"][key]
        print(f"median {key}: this {medians['this'][key]:.2f}, other {medians['other'][key]:.2f}, ratio {ratio:.3f}")


if __name__ == "__main__":
    main()
