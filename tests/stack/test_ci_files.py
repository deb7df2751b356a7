"""The CI templates are valid YAML and call only what exists in the repository: provcloud
subcommands the CLI registers, make targets the Makefile defines, folders that exist."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT, run_provcloud

CI_FILES = [ROOT / ".github" / "workflows" / "preview.yml", ROOT / ".gitlab-ci.yml"]


def scripts(node: Any) -> list[str]:
    """Every shell command of a GitHub workflow (`run:`) or a GitLab job (`script:`)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                found.append(value)
            elif key in ("script", "before_script", "after_script") and isinstance(value, list):
                found.extend(str(line) for line in value)
            else:
                found.extend(scripts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(scripts(item))
    return found


def provcloud_commands() -> set[str]:
    help_text = run_provcloud("--help").stdout
    return set(re.findall(r"^│ (\S+)\s", help_text, flags=re.MULTILINE))


@pytest.mark.parametrize("file", CI_FILES, ids=lambda f: f.name)
def test_ci_file_calls_only_what_exists(file: Path) -> None:
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    commands = scripts(data)
    assert commands, f"{file.name}: no commands found"
    text = "\n".join(commands)
    used = set(re.findall(r"provcloud (\w[\w-]*)", text))
    assert used, f"{file.name} never runs provcloud"
    assert used <= provcloud_commands(), f"unknown provcloud subcommands: {used - provcloud_commands()}"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"\bmake (\w+)", text):
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE), f"make {target} is not a Makefile target"
    for option in re.findall(r"provcloud plan [^\n]*", text):
        for flag in re.findall(r"--[a-z-]+", option):
            assert flag in ("--against", "--format", "--out"), f"provcloud plan has no {flag}"
    for folder in re.findall(r"\b(stacks/platform|policies)\b", file.read_text(encoding="utf-8")):
        assert (ROOT / folder).is_dir(), f"{file.name} refers to {folder}/, which does not exist"


def test_github_preview_uses_the_policy_pack_and_comments_on_the_pull_request() -> None:
    workflow = yaml.safe_load(CI_FILES[0].read_text(encoding="utf-8"))
    assert set(workflow["jobs"]) == {"provinces", "country", "plan", "preview"}
    (pulumi,) = [s for s in workflow["jobs"]["preview"]["steps"] if str(s.get("uses", "")).startswith("pulumi/actions")]
    assert pulumi["with"]["policyPacks"] == "policies"
    assert pulumi["with"]["comment-on-pr"] is True
    assert (ROOT / pulumi["with"]["work-dir"] / "Pulumi.yaml").is_file()
    assert "KUBECONFIG_{0}" in workflow["jobs"]["preview"]["env"]["KUBECONFIG_DATA"], "enabled per province secret"


def test_github_preview_plans_the_country_and_reports_it() -> None:
    """The body overseeing the provinces sees every pull request's effect on the whole country: the
    country job plans every province (failing on any) and puts the compliance report in the summary."""
    workflow = yaml.safe_load(CI_FILES[0].read_text(encoding="utf-8"))
    runs = [str(step.get("run", "")) for step in workflow["jobs"]["country"]["steps"]]
    assert any(run.startswith(".venv/bin/provcloud country ") for run in runs), runs
    report = next(run for run in runs if "provcloud country report --out country-report" in run)
    assert 'cat country-report/report.md >> "$GITHUB_STEP_SUMMARY"' in report
    uploads = [step for step in workflow["jobs"]["country"]["steps"] if "upload-artifact" in str(step.get("uses"))]
    assert uploads and uploads[0]["with"]["path"] == "country-report/"
