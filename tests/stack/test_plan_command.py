"""`provcloud plan` as a user runs it: exit codes, the JSON format, YAML files, a synthetic province,
clear errors, and the diff against another revision."""

import json
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_provcloud
from plan_helpers import project_copy, province_slugs
from provcloud.country.topology import TOPOLOGY_FILE


@pytest.mark.parametrize("slug", province_slugs())
def test_plan_json_has_the_documented_shape(slug: str) -> None:
    result = run_provcloud("plan", slug, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["province"] == slug
    assert {"province", "resources", "counts", "violations"} <= set(data)
    assert data["violations"] == []
    assert sum(data["counts"].values()) == len(data["resources"])
    for resource in data["resources"]:
        assert set(resource) == {"kind", "apiVersion", "name", "namespace", "urn"}
        assert resource["urn"].startswith(f"urn:pulumi:{slug}::provcloud-platform::")


def test_out_writes_every_object_as_yaml(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = run_provcloud("plan", "demo", "--out", str(out))
    assert result.returncode == 0, result.stderr
    deny = yaml.safe_load((out / "demo-so-khcn" / "networkpolicy-default-deny.yaml").read_text(encoding="utf-8"))
    assert deny["kind"] == "NetworkPolicy" and deny["metadata"]["namespace"] == "demo-so-khcn"
    assert (out / "_cluster" / "namespace-demo-so-khcn.yaml").is_file()
    assert (out / "platform-lgsp" / "virtualmachine-lgsp-01.yaml").is_file()
    config = json.loads((out / "policy-config.json").read_text(encoding="utf-8"))
    assert config["restrict_tenant_egress"] == {"egressRestrictedFromLevel": 3}
    assert (
        len(list(out.rglob("*.yaml"))) == 87
    )  # one file per object: the sum of INVENTORY["demo"] in test_object_inventory.py
    if shutil.which("dot"):  # the topology picture needs Graphviz (a warning without it)
        picture = ElementTree.parse(out / TOPOLOGY_FILE).getroot()
        shown = " ".join(" ".join(text.itertext()) for text in picture.iter("{http://www.w3.org/2000/svg}text"))
        assert "lgsp-01" in shown and "198.18.0.10" in shown, f"the picture shows: {shown}"
        assert "topology picture" in result.stdout
    # A second run replaces the folder; an unrelated folder is never replaced.
    assert run_provcloud("plan", "demo", "--out", str(out)).returncode == 0
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    refused = run_provcloud("plan", "demo", "--out", str(tmp_path / "mine"))
    assert refused.returncode == 1 and "refusing to replace" in refused.stderr
    assert (tmp_path / "mine" / "notes.txt").is_file()


def test_synthetic_province_plans_without_a_stack_file(tmp_path: Path) -> None:
    catalogue = tmp_path / "big.yml"
    assert run_provcloud("catalogue", "synth", "--agencies", "40", "--out", str(catalogue)).returncode == 0
    result = run_provcloud("plan", str(catalogue), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["counts"]["ResourceQuota"] == 40


def test_unknown_province_and_bad_catalogue_are_clear_errors(tmp_path: Path) -> None:
    unknown = run_provcloud("plan", "atlantis")
    assert unknown.returncode == 1 and "no province 'atlantis'" in unknown.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(
        (ROOT / "provinces" / "demo.yml").read_text(encoding="utf-8").replace("tier: small", "tier: tiny", 1)
    )
    result = run_provcloud("plan", str(broken))
    assert result.returncode == 1
    assert "broken.yml:" in result.stderr and "tiny" in result.stderr
    assert "Traceback" not in result.stderr


def _git(project: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=project,
        check=True,
        capture_output=True,
    )


def test_against_a_revision_reports_added_changed_and_removed(tmp_path: Path) -> None:
    project = project_copy(tmp_path / "project", with_source=True)
    # The committed revision: the stack's code sent tenants to the LGSP node on port 8443.
    ports_py = project / "src" / "provcloud" / "service_ports.py"
    ports_py.write_text(ports_py.read_text(encoding="utf-8").replace("LGSP_PORT = 443", "LGSP_PORT = 8443"))
    _git(project, "init", "-q")
    _git(project, "add", ".")
    _git(project, "commit", "-qm", "base")
    # The working tree: one agency removed, one added (a renamed slug), one tier changed.
    catalogue = project / "provinces" / "demo.yml"
    text = catalogue.read_text(encoding="utf-8")
    text = text.replace("slug: ttcntt", "slug: tt-cntt").replace("    tier: large\n", "    tier: medium\n", 1)
    catalogue.write_text(text, encoding="utf-8")

    result = run_provcloud("plan", "demo", "--against", "HEAD", "--format", "json", cwd=project)
    assert result.returncode == 0, result.stderr
    diff = json.loads(result.stdout)["diff"]
    added = {(r["kind"], r["namespace"] or r["name"]) for r in diff["added"]}
    removed = {(r["kind"], r["namespace"] or r["name"]) for r in diff["removed"]}
    assert ("Namespace", "demo-tt-cntt") in added and ("Namespace", "demo-ttcntt") in removed
    changed = {(c["kind"], c["namespace"], c["name"]): c["fields"] for c in diff["changed"]}
    quota = {f["path"]: (f["before"], f["after"]) for f in changed[("ResourceQuota", "demo-so-khcn", "tenant-quota")]}
    assert quota["spec.hard.requests.cpu"] == ("8", "4")
    port = changed[("NetworkPolicy", "demo-vp-ubnd", "allow-egress")]
    assert {"path": "spec.egress[2].ports[0].port", "before": 8443, "after": 443} in port, "the old code ran"

    markdown = run_provcloud("plan", "demo", "--against", "HEAD", "--format", "markdown", cwd=project)
    assert markdown.returncode == 0, markdown.stderr
    assert "#### Changes against `HEAD`" in markdown.stdout
    assert "`Namespace demo-tt-cntt`" in markdown.stdout


def test_against_an_unknown_revision_is_a_clear_error(tmp_path: Path) -> None:
    project = project_copy(tmp_path)
    _git(project, "init", "-q")
    result = run_provcloud("plan", "demo", "--against", "no-such-rev", cwd=project)
    assert result.returncode == 1 and "git rev-parse" in result.stderr
    assert "Traceback" not in result.stderr
