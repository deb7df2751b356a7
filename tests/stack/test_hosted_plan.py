"""A hosted province's plan (the rented model): the policy pack refuses a cluster-scoped object in
it, as `provcloud plan` shows a developer who adds one to the program."""

import subprocess
from pathlib import Path

from conftest import run_provcloud
from plan_helpers import STACK_PROGRAM_HEADER, project_copy


def _plan_with_cluster_role(tmp_path: Path, slug: str) -> "subprocess.CompletedProcess[str]":
    """`provcloud plan <slug>` with a program that also declares a ClusterRole."""
    project = project_copy(tmp_path)
    (project / "stacks" / "platform" / "__main__.py").write_text(
        STACK_PROGRAM_HEADER + "import pulumi_kubernetes as k8s\n"
        "main()\n"
        "k8s.rbac.v1.ClusterRole('tools', metadata={'name': 'tools'},\n"
        "    rules=[{'apiGroups': [''], 'resources': ['nodes'], 'verbs': ['get']}])\n",
        encoding="utf-8",
    )
    return run_provcloud("plan", slug, cwd=project)


def test_a_cluster_scoped_object_in_a_hosted_plan_fails_it(tmp_path: Path) -> None:
    result = _plan_with_cluster_role(tmp_path, "rented-alpha")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "hosted_namespaces_only" in result.stderr
    assert "ClusterRole tools is cluster-scoped: province rented-alpha is hosted by provider qtsc" in " ".join(
        result.stderr.split()
    )


def test_the_same_object_on_an_owned_province_is_its_own_business(tmp_path: Path) -> None:
    result = _plan_with_cluster_role(tmp_path, "demo")
    assert "hosted_namespaces_only" not in result.stdout + result.stderr
