"""`provcloud country operator`: a Pulumi Kubernetes Operator Stack object per province (and per
provider of a hosted one), valid against the operator's published CRD schema (vendored from
pulumi/pulumi-kubernetes-operator), with the source, backend, secrets and drift schedule asked for."""

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from conftest import run_provcloud
from plan_helpers import province_slugs
from provcloud.catalogue import load_province
from provcloud.operator.crd_schema import SCHEMA_FILE, stack_problems
from provcloud.operator.stack_object import OperatorSettings, province_target, stack_object

CRD_SCHEMA = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def written(out: Path) -> dict[str, dict[str, Any]]:
    return {file.stem: yaml.safe_load(file.read_text(encoding="utf-8")) for file in sorted(out.glob("*.yaml"))}


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("operator")
    result = run_provcloud("country", "operator", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "valid against the operator's CRD" in result.stdout
    return written(out)


def test_one_stack_per_province_and_per_provider_listed_in_the_kustomization(country: dict[str, Any]) -> None:
    stacks = {name: o for name, o in country.items() if name != "kustomization"}
    assert sorted(stacks) == sorted([*(f"platform-{slug}" for slug in province_slugs()), "provider-qtsc"])
    assert sorted(country["kustomization"]["resources"]) == sorted(f"{name}.yaml" for name in stacks)
    assert {(o["apiVersion"], o["kind"]) for o in stacks.values()} == {("pulumi.com/v1", "Stack")}


def test_every_stack_is_valid_against_the_published_crd_schema(country: dict[str, Any]) -> None:
    validator = Draft7Validator(CRD_SCHEMA)
    for name, manifest in country.items():
        if name == "kustomization":
            continue
        assert [e.message for e in validator.iter_errors(manifest)] == [], name
        assert stack_problems(manifest) == [], f"{name}: a field the CRD does not define, or a CEL rule broken"


def test_a_province_stack_names_its_source_backend_secrets_and_drift_schedule(country: dict[str, Any]) -> None:
    spec = country["platform-laichau"]["spec"]
    assert {key: spec[key] for key in ("stack", "repoDir", "branch", "backend", "secretsProvider")} == {
        "stack": "organization/provcloud-platform/laichau",
        "repoDir": "stacks/platform",
        "branch": "main",
        "backend": "s3://provcloud-state",
        "secretsProvider": "passphrase",
    }
    assert spec["envRefs"]["PULUMI_CONFIG_PASSPHRASE"] == {
        "type": "Secret",
        "secret": {"name": "platform-laichau-passphrase", "key": "passphrase"},
    }
    assert (spec["refresh"], spec["continueResyncOnCommitMatch"], spec["resyncFrequencySeconds"]) == (True, True, 3600)
    # Hosted: the provider's stack (its guardrails, the allotment it admits) has run first.
    assert spec["prerequisites"] == [{"name": "provider-qtsc", "requirement": {"succeededWithinDuration": "7200s"}}]
    assert country["provider-qtsc"]["spec"]["stack"] == "organization/provcloud-provider/qtsc"
    assert country["provider-qtsc"]["spec"]["repoDir"] == "stacks/provider"
    assert "prerequisites" not in country["platform-danang"]["spec"], "an owned province waits for no one"


def test_options_choose_source_backend_and_schedule(tmp_path: Path) -> None:
    result = run_provcloud(
        "country", "operator", "demo", "--out", str(tmp_path), "--repo", "https://git.example.test/p.git",
        "--branch", "release", "--backend", "file:///state", "--resync-seconds", "600", "--preview",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    spec = written(tmp_path)["platform-demo"]["spec"]
    source = ("https://git.example.test/p.git", "release", "file:///state")
    assert (spec["projectRepo"], spec["branch"], spec["backend"]) == source
    assert (spec["resyncFrequencySeconds"], spec["preview"]) == (600, True)
    assert "AWS_ACCESS_KEY_ID" not in spec["envRefs"], "S3 credentials only for an s3:// backend"


def test_an_unknown_province_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    result = run_provcloud("country", "operator", "demo", "nosuch", "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "no province 'nosuch': provinces/nosuch.yml does not exist" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_a_resync_below_the_operator_minimum_is_refused(tmp_path: Path) -> None:
    result = run_provcloud("country", "operator", "demo", "--out", str(tmp_path), "--resync-seconds", "30")
    assert result.returncode != 0 and "--resync-seconds" in result.stderr


@pytest.fixture
def demo_stack() -> dict[str, Any]:
    return stack_object(province_target(load_province(Path("provinces/demo.yml"))), OperatorSettings())


def test_the_check_refuses_a_misspelt_field(demo_stack: dict[str, Any]) -> None:
    demo_stack["spec"]["resyncFrequency"] = 60
    assert stack_problems(demo_stack) == [
        "spec: Additional properties are not allowed ('resyncFrequency' was unexpected)"
    ]


def test_the_check_refuses_a_wrong_type(demo_stack: dict[str, Any]) -> None:
    demo_stack["spec"]["envRefs"]["PULUMI_CONFIG_PASSPHRASE"] = {"secret": {"name": "x", "key": "y"}}
    assert stack_problems(demo_stack) == ["spec.envRefs.PULUMI_CONFIG_PASSPHRASE: 'type' is a required property"]


def test_the_check_applies_the_crd_cel_rule(demo_stack: dict[str, Any]) -> None:
    demo_stack["metadata"]["name"] = "platform-" + "x" * 34
    assert stack_problems(demo_stack) == [
        "<object>: Stack name must be no more than 42 characters in length. (size(self.metadata.name) <= 42)"
    ]


def test_the_vendored_schema_is_the_operator_v1_stack_and_names_its_origin() -> None:
    spec = CRD_SCHEMA["properties"]["spec"]
    used = {"resyncFrequencySeconds", "continueResyncOnCommitMatch", "envRefs", "secretsProvider", "prerequisites"}
    assert used <= set(spec["properties"])
    readme = (SCHEMA_FILE.parent / "README.md").read_text(encoding="utf-8")
    assert "operator/config/crd/bases/pulumi.com_stacks.yaml" in readme
    assert "475dbc6c9d34ccab38ba1d3b16c924dd8a1c59b1" in readme
