"""What hosting costs a plan (issue 10): 5 register provinces (the 5 nearest the median agency count)
rewritten as provinces hosted by a generated provider, planned beside the same provinces owned.

A temporary copy of the project holds the hosted forms (`hosting:` instead of `platform:`), the
provider catalogue `providers/bench.yml` whose allotments are each province's own needs (its tenants'
quota totals plus its service VMs' sizes, its VMs, its namespaces, its zones' networks) and whose
capacity is their sum, and their stack files. Hosted side: the provider's plan (`provcloud plan
--provider bench`) and each hosted province's plan, which first computes the provider's outputs its
StackReference reads, as `provcloud plan <province>` does. Owned side: the same provinces of
provinces/. Each plan runs in its own process (peak memory is that plan's alone), hosted and owned
alternating, median of 3.

    .venv/bin/python bench/hosted_scaling.py            # (make bench)
    .venv/bin/python bench/hosted_scaling.py --keep DIR # also leave the generated project in DIR
"""

import argparse
import importlib.util
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PROVIDER = "bench"
PROVINCES = 5
REPEATS = 3
# What a plan reads of the project (as tests/plan_helpers.py's PROJECT_PARTS, less the docs).
PROJECT_PARTS = ("provinces", "providers", "stacks", "policies", "templates", "inventories")
_GI = Decimal(2) ** 30


def measure(kind: str, project: Path, name: str) -> dict[str, float]:
    """One plan in this process (called in a child): the provider's, or a province's."""
    from provcloud.catalogue import load_province
    from provcloud.plan.run import Timings, make_plan, make_provider_plan, provider_outputs
    from provcloud.plan.stack_config import find_provider_stack, find_stack

    os.environ["PROVCLOUD_ROOT"] = str(project)
    started, cpu = time.perf_counter(), time.process_time()
    timings = Timings()
    references = 0.0
    if kind == "provider":
        plan = make_provider_plan(find_provider_stack(project, name), project / "policies", timings)
    else:
        file = project / "provinces" / f"{name}.yml"
        province = load_province(file)
        if province.hosting is not None:
            # Timed apart: the provider's outputs, computed once per process, are what hosting adds.
            began = time.perf_counter()
            provider_outputs(project, province.hosting.provider)
            references = time.perf_counter() - began
        plan = make_plan(province, find_stack(project, name, file), project / "policies", timings)
    assert not plan.failed, f"the plan of {kind} {name} failed: {plan.schema_errors[:3]} {plan.violations[:3]}"
    return {
        "objects": len(plan.objects),
        "references": references,
        "program": timings.program,
        "wall": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child(kind: str, project: Path, name: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(project), name], capture_output=True, text=True, check=False
    )
    if output.returncode != 0:
        raise SystemExit(f"planning {kind} {name} in {project} failed:\n{output.stderr[-3000:]}")
    measured: dict[str, float] = json.loads(output.stdout.strip().splitlines()[-1])
    return measured


def register_provinces() -> list[tuple[str, int]]:
    """The register's provinces of provinces/ with their agency counts."""
    from provcloud.catalogue import load_province
    from provcloud.register.source import installed_register

    found = []
    for slug in sorted(p.slug for p in installed_register().provinces.values()):
        file = ROOT / "provinces" / f"{slug}.yml"
        if file.is_file():
            found.append((slug, len(load_province(file).agencies)))
    return found


def nearest_median(provinces: list[tuple[str, int]], count: int) -> list[str]:
    """The `count` provinces whose agency count is nearest the median (ties: by slug)."""
    median = statistics.median(n for _, n in provinces)
    return sorted(slug for slug, _ in sorted(provinces, key=lambda p: (abs(p[1] - median), p[0]))[:count])


def _quantity(value: Decimal, binary: bool) -> str:
    if not binary:
        return f"{value.normalize():f}"
    if value % _GI == 0:
        return f"{value // _GI}Gi"
    return f"{-(-value // 2**20)}Mi"


def allotment(slug: str) -> dict[str, Any]:
    """What the owned province needs of a provider: its tenants' quotas and its service VMs, its
    namespaces (tenants' and platform's), its zones' networks."""
    from provcloud.catalogue import load_province
    from provcloud.catalogue.checks import tenants_total
    from provcloud.catalogue.quantity import parse_quantity
    from provcloud.platform.platform_namespace import stack_namespaces

    province = load_province(ROOT / "provinces" / f"{slug}.yml")
    sizes = [province.platform.instance_types[m.size] for m in province.service_machines]
    cpu = tenants_total(province, "cpu") + sum((Decimal(s.cpu) for s in sizes), Decimal(0))
    memory = tenants_total(province, "memory") + sum((parse_quantity(s.memory) for s in sizes), Decimal(0))
    tenant_vms = sum(province.quota_tiers[a.tier].vms for a in province.agencies)
    return {
        "cpu": _quantity(cpu, binary=False),
        "memory": _quantity(memory, binary=True),
        "storage": _quantity(tenants_total(province, "storage"), binary=True),
        "vms": tenant_vms + len(province.service_machines),
        "namespaces": len(stack_namespaces(province)),
        "networks": [str(zone.cidr) for zone in province.network.zones.values()],
        "platform_team": [f"{slug}-platform"],
    }


class _Dumper(yaml.SafeDumper):
    """Quotes every string that starts like a number: the catalogue loader reads YAML 1.2, where
    `08980` is an integer (PyYAML's YAML 1.1 would leave it plain)."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if value[:1].isdigit() or value[:1] in "+-." else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def _write(file: Path, data: Any, header: str) -> None:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    file.write_text(f"# {header} (generated by bench/hosted_scaling.py)\n{text}", encoding="utf-8")


def hosted_project(target: Path, slugs: list[str]) -> Path:
    """A copy of the project where `slugs` are hosted by provider PROVIDER."""
    for part in PROJECT_PARTS:
        shutil.copytree(ROOT / part, target / part, ignore=shutil.ignore_patterns("__pycache__"))
    platforms: list[dict[str, Any]] = []
    allotments: dict[str, Any] = {}
    for slug in slugs:
        file = target / "provinces" / f"{slug}.yml"
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        platform = data["platform"]
        platforms.append(platform)
        hosting = {
            "provider": PROVIDER,
            "os_image": platform["os_image"],
            "storage_classes": platform["storage_classes"],
        }
        if "apt_proxy" in platform:
            hosting["apt_proxy"] = platform["apt_proxy"]
        hosted = {key: value for key, value in data.items() if key != "platform"}
        _write(file, {**hosted, "hosting": hosting}, f"province {slug} hosted by provider {PROVIDER}")
        stack_file = target / "stacks" / "platform" / f"Pulumi.{slug}.yaml"
        config = yaml.safe_load(stack_file.read_text(encoding="utf-8"))["config"]
        config["provcloud-platform:kubeContext"] = f"{PROVIDER}-{slug}"
        _write(stack_file, {"config": config}, f"stack {slug}: hosted by provider {PROVIDER}")
        allotments[slug] = allotment(slug)
    _write(target / "providers" / f"{PROVIDER}.yml", provider_catalogue(platforms, allotments), "benchmark provider")
    _write(
        target / "stacks" / "provider" / f"Pulumi.{PROVIDER}.yaml",
        {
            "config": {
                "provcloud-provider:catalogue": f"providers/{PROVIDER}.yml",
                "provcloud-provider:kubeContext": f"{PROVIDER}-admin",
            }
        },
        f"stack {PROVIDER}: the benchmark provider",
    )
    return target


def provider_catalogue(platforms: list[dict[str, Any]], allotments: dict[str, Any]) -> dict[str, Any]:
    """A provider offering what the provinces' own clusters offer, with capacity for exactly their allotments."""
    from provcloud.catalogue.quantity import parse_quantity

    versions = {p["kubernetes_version"] for p in platforms}
    assert len(versions) == 1, f"the provinces run different Kubernetes versions: {versions}"
    # One cluster offers one size per name: the definition most provinces give it (danang's own
    # cluster has a larger `large`; hosted, it gets the provider's).
    offered: dict[str, list[str]] = {}
    storage_classes: list[str] = []
    for platform in platforms:
        for name, size in platform["instance_types"].items():
            offered.setdefault(name, []).append(json.dumps(size, sort_keys=True))
        storage_classes += [c["name"] for c in platform["storage_classes"] if c["name"] not in storage_classes]
    instance_types = {name: json.loads(statistics.mode(sizes)) for name, sizes in offered.items()}

    def total(resource: str) -> Decimal:
        return sum((parse_quantity(a[resource]) for a in allotments.values()), Decimal(0))

    return {
        "slug": PROVIDER,
        "name": "Benchmark provider",
        "cluster": {
            "kubernetes_version": versions.pop(),
            "registry_mirror": f"registry.{PROVIDER}.provcloud.test",
            "ingress_domain": f"apps.{PROVIDER}.provcloud.test",
            "oidc": {"issuer": f"https://sso.{PROVIDER}.provcloud.test/realms/hosted"},
            "storage_classes": [{"name": name} for name in storage_classes],
            "instance_types": instance_types,
        },
        "capacity": {
            "cpu": _quantity(total("cpu"), binary=False),
            "memory": _quantity(total("memory"), binary=True),
            "storage": _quantity(total("storage"), binary=True),
            "vms": sum(a["vms"] for a in allotments.values()),
            "namespaces": sum(a["namespaces"] for a in allotments.values()),
        },
        "provinces": allotments,
    }


def machine() -> str:
    """plan_scaling's machine line (a script beside this one, not a package module)."""
    spec = importlib.util.spec_from_file_location("plan_scaling", Path(__file__).with_name("plan_scaling.py"))
    assert spec is not None and spec.loader is not None
    plan_scaling = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plan_scaling)
    line: str = plan_scaling.machine()
    return line


def refusals(project: Path, slugs: list[str]) -> str:
    """What the loader says of the generated catalogues (file:line: field: problem), before measuring."""
    from provcloud.catalogue import CatalogueError, load_province
    from provcloud.catalogue.hosted import load_provider

    try:
        load_provider(project / "providers" / f"{PROVIDER}.yml")
        for slug in slugs:
            load_province(project / "provinces" / f"{slug}.yml")
    except CatalogueError as error:
        return str(error)
    return ""


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="Write the generated project to DIR (kept).")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "PROJECT", "NAME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], Path(args.child[1]), args.child[2])))
        return
    provinces = register_provinces()
    slugs = nearest_median(provinces, PROVINCES)
    agencies = dict(provinces)
    with tempfile.TemporaryDirectory(prefix="provcloud-hosted-") as folder:
        project = hosted_project(args.keep or Path(folder), slugs)
        refused = refusals(project, slugs)
        if refused:
            raise SystemExit(f"the generated catalogues are refused (a fault of this script):\n{refused}")
        print(f"machine: {machine()}")
        print(
            f"{len(slugs)} of {len(provinces)} register provinces, nearest the median of "
            f"{statistics.median(agencies.values()):g} agencies: {', '.join(slugs)}; median of {REPEATS} runs"
        )
        hosted: dict[str, list[dict[str, float]]] = {name: [] for name in [PROVIDER, *slugs]}
        owned: dict[str, list[dict[str, float]]] = {slug: [] for slug in slugs}
        for _ in range(REPEATS):
            hosted[PROVIDER].append(child("provider", project, PROVIDER))
            for slug in slugs:
                hosted[slug].append(child("province", project, slug))
                owned[slug].append(child("province", ROOT, slug))
        report({k: _median(v) for k, v in hosted.items()}, {k: _median(v) for k, v in owned.items()}, agencies)


def report(hosted: dict[str, dict[str, float]], owned: dict[str, dict[str, float]], agencies: dict[str, int]) -> None:
    print(f"{'':<24}{'--------- hosted ---------':>34}  {'------- owned -------':>28}")
    print(f"{'part':<24}{'objects':>8}{'wall s':>8}{'cpu s':>7}{'refs s':>7}{'MiB':>6}  ", end="")
    print(f"{'objects':>8}{'wall s':>8}{'cpu s':>7}{'MiB':>6}{'cpu ratio':>11}")

    def row(label: str, h: dict[str, float], o: dict[str, float] | None) -> None:
        line = f"{label:<24}{h['objects']:>8.0f}{h['wall']:>8.2f}{h['cpu']:>7.2f}{h['references']:>7.2f}"
        line += f"{h['max_rss_mib']:>6.0f}  "
        if o is not None:
            line += f"{o['objects']:>8.0f}{o['wall']:>8.2f}{o['cpu']:>7.2f}{o['max_rss_mib']:>6.0f}"
            line += f"{h['cpu'] / o['cpu']:>10.2f}×"
        print(line)

    row(f"provider {PROVIDER}", hosted[PROVIDER], None)
    for slug, measured in owned.items():
        row(f"{slug} ({agencies[slug]} agencies)", hosted[slug], measured)

    def total(parts: list[dict[str, float]]) -> dict[str, float]:
        summed = {key: sum(p[key] for p in parts) for key in ("objects", "wall", "cpu", "references")}
        return {**summed, "max_rss_mib": max(p["max_rss_mib"] for p in parts)}

    h, o = total(list(hosted.values())), total(list(owned.values()))
    row("total (MiB: the largest)", h, o)
    print(
        f"hosted/owned: objects {h['objects'] / o['objects']:.2f}×, wall {h['wall'] / o['wall']:.2f}×, "
        f"CPU {h['cpu'] / o['cpu']:.2f}×, peak RSS {h['max_rss_mib'] / o['max_rss_mib']:.2f}×"
    )


if __name__ == "__main__":
    main()
