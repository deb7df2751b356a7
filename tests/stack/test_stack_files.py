"""The stack's files are ones the real tools accept: `Pulumi.yaml` against Pulumi's own project
schema, and a `Pulumi.<slug>.yaml` per province naming a catalogue that exists and validates."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import ROOT
from plan_helpers import province_slugs
from provcloud.catalogue import load_province
from provcloud.plan.stack_config import CATALOGUE_KEY, stack_config

STACK = ROOT / "stacks" / "platform"
SCHEMA = json.loads((Path(__file__).parent / "data" / "pulumi-project.schema.json").read_text(encoding="utf-8"))


def test_project_file_validates_against_pulumis_schema() -> None:
    project = yaml.safe_load((STACK / "Pulumi.yaml").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(project)
    assert project["runtime"]["name"] == "python"
    assert (STACK / project["runtime"]["options"]["virtualenv"]).resolve() == (ROOT / ".venv").resolve()


def test_the_schema_check_can_fail() -> None:
    project = yaml.safe_load((STACK / "Pulumi.yaml").read_text(encoding="utf-8"))
    project["runtime"] = {"name": "python", "option": {}}  # a typo Pulumi refuses
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate(project)


def test_every_province_has_a_stack_and_no_stack_is_orphaned() -> None:
    stacks = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in STACK.glob("Pulumi.*.yaml"))
    assert stacks == province_slugs()


@pytest.mark.parametrize("slug", province_slugs())
def test_stack_names_a_catalogue_that_exists_and_validates(slug: str) -> None:
    config = stack_config(STACK / f"Pulumi.{slug}.yaml")
    catalogue = ROOT / config[CATALOGUE_KEY]
    assert catalogue.is_file(), f"Pulumi.{slug}.yaml names {catalogue}, which does not exist"
    assert load_province(catalogue).slug == slug
    declared = set(yaml.safe_load((STACK / "Pulumi.yaml").read_text(encoding="utf-8"))["config"])
    for key in config:
        namespace, _, name = key.partition(":")
        assert namespace != "provcloud-platform" or name in declared, f"{key} is not declared in Pulumi.yaml"


def test_new_province_scaffolds_a_stack_that_plans(tmp_path: Path) -> None:
    from conftest import run_provcloud
    from plan_helpers import project_copy

    project = project_copy(tmp_path)
    args = (
        "new-province",
        "thuchanh",
        "--name",
        "Tỉnh Thực hành",
        "--admin-unit-code",
        "97",
        "--org-code",
        "000.00.00.H97",
    )
    assert run_provcloud(*args, "--network", "10.97.0.0/16", cwd=project).returncode == 0
    config = stack_config(project / "stacks" / "platform" / "Pulumi.thuchanh.yaml")
    assert config[CATALOGUE_KEY] == "provinces/thuchanh.yml"
    result = run_provcloud("plan", "thuchanh", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "stack config derived" not in result.stdout, "the scaffolded stack file is the one used"
