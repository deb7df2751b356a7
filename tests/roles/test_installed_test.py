"""The `installed` Jinja test (plugins/test/packages.py) that lets the roles' apt tasks skip the
apt module, fed by the local fact the common role installs (packages.fact, run here on this
machine's own dpkg database)."""

import importlib.util
import json
import subprocess

from conftest import ROOT

_spec = importlib.util.spec_from_file_location("packages_test_plugin", ROOT / "plugins/test/packages.py")
assert _spec is not None and _spec.loader is not None
_plugin = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_plugin)
installed = _plugin.installed

FACT_TEMPLATE = ROOT / "roles/common/templates/etc/ansible/facts.d/packages.fact.j2"


def fact_output() -> dict[str, list[str]]:
    """What the fact prints on this (Debian) machine: its script without the template's header line."""
    script = "\n".join(line for line in FACT_TEMPLATE.read_text().splitlines() if "ansible_managed" not in line)
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True, timeout=60)
    parsed: dict[str, list[str]] = json.loads(result.stdout)
    return parsed


def test_the_fact_lists_what_dpkg_has_installed() -> None:
    listed = fact_output()["installed"]
    assert "dpkg" in listed and "bash" in listed
    assert not installed(["dpkg", "no-such-package-xyz"], {"packages": {"installed": listed}})
    assert installed(["dpkg", "bash"], {"packages": {"installed": listed}})


def test_without_the_fact_every_package_counts_as_missing() -> None:
    assert not installed(["bash"], {})
    assert not installed(["bash"], {"packages": {}})
    assert not installed(["bash"], {"packages": {"installed": "bash"}}), "a string is not a list of packages"
    assert installed([], {"packages": {"installed": []}}), "nothing wanted, nothing missing"
