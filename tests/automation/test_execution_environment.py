"""execution-environment.yml: what AWX / Ansible Automation Platform runs the playbooks in. Checked
with ansible-builder's own validator and build-context writer, and against what the roles use."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

from conftest import ROOT

EE_FILE = ROOT / "execution-environment.yml"
# A fully qualified module name in a task (`community.crypto.openssl_privatekey:`).
FQCN = re.compile(r"^\s*-?\s*([a-z0-9_]+\.[a-z0-9_]+)\.[a-z0-9_]+:", re.M)


def definition() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EE_FILE.read_text(encoding="utf-8"))
    return data


def used_collections() -> set[str]:
    files = [*ROOT.glob("roles/*/tasks/*.yml"), *ROOT.glob("roles/*/handlers/*.yml"), *ROOT.glob("playbooks/*.yml")]
    return {name for file in files for name in FQCN.findall(file.read_text(encoding="utf-8"))} - {"ansible.builtin"}


def test_ansible_builder_accepts_the_definition() -> None:
    # In a child process: importing ansible_builder sets sys.tracebacklimit = 0 for the whole process
    # (its DefinitionError), which would break Pulumi's stack traces in every later test.
    check = (
        "import sys; from ansible_builder.user_definition import UserDefinition; "
        "ee = UserDefinition(sys.argv[1]); ee.validate(); print(ee.version)"
    )
    result = subprocess.run([sys.executable, "-c", check, str(EE_FILE)], capture_output=True, text=True, check=False)
    # On a schema error validate() raises DefinitionError naming the schema path of what is wrong.
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3"


def test_ansible_builder_writes_a_build_context_with_provcloud_in_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ansible_builder", "create", "-f", str(EE_FILE), "-c", str(tmp_path)],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    built = tmp_path / "_build"
    assert (built / "provcloud" / "pyproject.toml").is_file() and (built / "provcloud" / "src" / "provcloud").is_dir()
    assert "COPY _build/provcloud /tmp/provcloud" in next(tmp_path.glob("*file")).read_text(encoding="utf-8")


def test_every_collection_the_roles_use_is_pinned_at_the_tested_version() -> None:
    pinned = {c["name"]: c["version"] for c in definition()["dependencies"]["galaxy"]["collections"]}
    assert set(pinned) == used_collections(), "pin exactly the collections roles/ and playbooks/ name"
    assert pinned == {name: installed_version(name) for name in pinned}, "the EE's collections are the ones tests ran"


def installed_version(name: str) -> str:
    """The version of collection `name` in this environment (the `ansible` package the tests run with)."""
    import ansible_collections

    namespace, collection = name.split(".")
    for root in ansible_collections.__path__:
        manifest = Path(root) / namespace / collection / "MANIFEST.json"
        if manifest.is_file():
            version: str = json.loads(manifest.read_text(encoding="utf-8"))["collection_info"]["version"]
            return version
    raise AssertionError(f"collection {name} is not installed here")


def test_ansible_pins_are_pyproject_s() -> None:
    requirements = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    dependencies = definition()["dependencies"]
    for package in ("ansible-core", "ansible-runner"):
        (pin,) = [r for r in requirements if re.match(rf"{package}\b", r) and not r.startswith(f"{package}-")]
        assert dependencies[package.replace("-", "_")]["package_pip"] == pin, f"{package}: pyproject.toml says {pin}"
