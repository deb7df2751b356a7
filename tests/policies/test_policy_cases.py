"""Every policy of the pack against its cases (`policies/cases/<policy>.yml`): resources that must
pass, and resources that must fail with exactly the stated messages. The cases run through the same
offline runner `provcloud plan` uses."""

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT
from provcloud.catalogue import load_province
from provcloud.plan.capture import CapturedResource
from provcloud.plan.policies import load_policies, run_policies
from provcloud.platform.tenant import tenant_objects

PACK = ROOT / "policies"
CASES = sorted((PACK / "cases").glob("*.yml"))
DEMO = load_province(ROOT / "provinces" / "demo.yml")


def _type_token(manifest: dict[str, Any]) -> str:
    api_version = manifest["apiVersion"]
    return f"kubernetes:{api_version if '/' in api_version else 'core/' + api_version}:{manifest['kind']}"


def _key(manifest: dict[str, Any]) -> str:
    meta = manifest["metadata"]
    return "/".join(filter(None, (manifest["kind"], meta.get("namespace"), meta["name"])))


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def case_resources(case: dict[str, Any]) -> list[CapturedResource]:
    manifests: dict[str, dict[str, Any]] = {}
    for slug in case.get("tenants", []):
        for manifest in tenant_objects(DEMO, DEMO.agencies_by_slug[slug]):
            manifests[_key(manifest)] = copy.deepcopy(manifest)
    for key in case.get("remove", []):
        assert key in manifests, f"remove: {key} is not among the tenants' objects {sorted(manifests)}"
        del manifests[key]
    for key, patch in (case.get("patch") or {}).items():
        assert key in manifests, f"patch: {key} is not among the tenants' objects"
        _merge(manifests[key], patch)
    for manifest in case.get("add", []):
        manifests[_key(manifest)] = manifest
    return [
        CapturedResource(
            urn=f"urn:pulumi:case::provcloud-platform::{_type_token(m)}::{key}",
            type=_type_token(m),
            name=key,
            parent="",
            custom=True,
            inputs=m,
        )
        for key, m in manifests.items()
    ]


def _load(file: Path) -> dict[str, Any]:
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    assert data["policy"] == file.stem, f"{file.name} must be named after its policy"
    return dict(data)


PARAMS = [
    pytest.param(file, index, id=f"{file.stem}[{case['name']}]")
    for file in CASES
    for index, case in enumerate(_load(file)["cases"])
]


@pytest.mark.parametrize(("file", "index"), PARAMS)
def test_policy_case(file: Path, index: int) -> None:
    data = _load(file)
    case = data["cases"][index]
    config = {data["policy"]: case["config"]} if "config" in case else {}
    violations = [v for v in run_policies(PACK, case_resources(case), config) if v.policy == data["policy"]]
    assert sorted(v.message for v in violations) == sorted(case.get("expect", [])), case["name"]
    assert all(v.enforcement == "mandatory" for v in violations)


def test_every_policy_has_cases_that_pass_and_fail() -> None:
    policies, _ = load_policies(PACK)
    names = {policy.name for policy in policies}
    assert names == {file.stem for file in CASES}, "one cases file per policy, named after it"
    for file in CASES:
        cases = _load(file)["cases"]
        assert any("expect" not in c for c in cases), f"{file.name}: no case that must pass"
        assert any("expect" in c for c in cases), f"{file.name}: no case that must fail"


def test_every_policy_carries_its_metadata() -> None:
    policies, _ = load_policies(PACK)
    for policy in policies:
        assert policy.description.endswith("."), policy.name
        if policy.framework is not None:
            assert policy.framework.name == "Kubernetes Multi-Tenancy Benchmark"
            assert policy.framework.reference == policy.name, "keyed by the benchmark's folder name"
    benchmark = {p.name for p in policies if p.framework is not None}
    assert {
        "configure_ns_quotas",
        "configure_ns_object_quota",
        "block_use_of_nodeport_services",
        "block_privileged_containers",
        "block_use_of_host_path",
        "block_use_of_host_networking_and_ports",
        "block_use_of_host_pid",
        "block_use_of_host_ipc",
        "block_add_capabilities",
        "require_run_as_non_root_user",
        "block_privilege_escalation",
        "block_access_to_cluster_resources",
        "block_role_privilege_escalation",
        "block_other_tenant_resources",
        "create_network_policies",
    } <= benchmark
