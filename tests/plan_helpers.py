"""Shared helpers for the stack and policy tests: plan a province in-process (cached), and copy the
project somewhere a test may change it."""

import shutil
import subprocess
from functools import cache
from pathlib import Path

from conftest import ROOT, run_provcloud
from provcloud.catalogue import load_province
from provcloud.plan.model import Plan, PlannedObject
from provcloud.plan.run import make_plan
from provcloud.plan.stack_config import find_stack
from provcloud.project import catalogue_files

# Every folder of project data the commands read (catalogues, providers, stacks, policy pack,
# templates, inventories, docs): one list, so a test's copy of the project is never missing one.
PROJECT_PARTS = ("provinces", "providers", "stacks", "policies", "templates", "inventories", "docs")


def province_slugs() -> list[str]:
    return sorted(file.stem for file in catalogue_files(ROOT / "provinces"))


@cache
def planned(slug: str) -> Plan:
    """The real stack program run offline for a province of provinces/ (once per test session)."""
    file = ROOT / "provinces" / f"{slug}.yml"
    return make_plan(load_province(file), find_stack(ROOT, slug, file), ROOT / "policies")


def objects(plan: Plan, kind: str, namespace: str | None = None) -> list[PlannedObject]:
    return [o for o in plan.objects if o.kind == kind and (namespace is None or o.namespace == namespace)]


def project_copy(target: Path, with_source: bool = False) -> Path:
    """A copy of the project's data (PROJECT_PARTS, and `src` if asked) a test may edit."""
    for part in PROJECT_PARTS + (("src",) if with_source else ()):
        shutil.copytree(ROOT / part, target / part, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return target


STACK_PROGRAM_HEADER = "from provcloud.platform.program import main\n"
"""How an edited stack program starts: it patches provcloud, then calls `main()` as the real one does."""


def plan_edited_program(tmp_path: Path, program: str) -> "subprocess.CompletedProcess[str]":
    """`provcloud plan demo` in a copy of the project whose stack program a developer replaced."""
    project = project_copy(tmp_path)
    (project / "stacks" / "platform" / "__main__.py").write_text(program, encoding="utf-8")
    return run_provcloud("plan", "demo", cwd=project)
