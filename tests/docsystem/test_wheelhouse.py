"""The wheelhouse builder: pinned requirements → every wheel, built once per pin, verified on reuse."""

import json
import tarfile
from pathlib import Path

import pytest

from conftest import run_provcloud
from provcloud.errors import UserError
from provcloud.wheelhouse import build, check_pinned, source_digest, wheelhouse_key

DEBIAN_PYTHON = "/usr/bin/python3"
needs_debian_python = pytest.mark.skipif(not Path(DEBIAN_PYTHON).is_file(), reason="needs the Debian Python")


def test_key_changes_with_a_pin_and_not_with_order() -> None:
    key = wheelhouse_key(["mayan-edms==4.12.2", "psycopg2==2.9.13"], "3.11.2")
    assert wheelhouse_key(["psycopg2==2.9.13", "mayan-edms==4.12.2"], "3.11.2") == key
    assert wheelhouse_key(["mayan-edms==4.12.1", "psycopg2==2.9.13"], "3.11.2") != key, "a new pin must rebuild"
    assert wheelhouse_key(["mayan-edms==4.12.2", "psycopg2==2.9.13"], "3.11.7") != key, "another Python must rebuild"


def test_unpinned_requirements_are_refused_by_name() -> None:
    with pytest.raises(UserError, match="not pinned: mayan-edms>=4"):
        check_pinned(["mayan-edms>=4", "psycopg2==2.9.13"])


def test_cli_refuses_unpinned_requirements_without_a_traceback(tmp_path: Path) -> None:
    result = run_provcloud("wheelhouse", "build", "--cache", str(tmp_path), "six")
    assert result.returncode == 1
    assert "not pinned: six" in result.stderr
    assert "Traceback" not in result.stderr


@needs_debian_python
def test_builds_compiled_wheels_once_and_reuses_them(tmp_path: Path) -> None:
    requirements = ["six==1.16.0", "psycopg2==2.9.13"]
    first = build(requirements, python=DEBIAN_PYTHON, cache=tmp_path)
    assert first.built
    names = sorted(wheel.name for wheel in first.wheels())
    psycopg2 = [name for name in names if name.startswith("psycopg2-2.9.13-cp311-cp311-linux_x86_64")]
    assert psycopg2, f"psycopg2 must be compiled into a cp311 wheel on the controller; got {names}"
    assert first.lock.read_text().splitlines() == ["psycopg2==2.9.13", "six==1.16.0"]
    with tarfile.open(first.archive) as archive:
        assert sorted(archive.getnames()) == sorted([*names, "requirements.lock", "SHA256SUMS"])

    again = build(requirements, python=DEBIAN_PYTHON, cache=tmp_path)
    assert not again.built, "an intact wheelhouse for the same pins must be reused"
    assert again.path == first.path

    first.wheels()[0].write_bytes(b"truncated")
    repaired = build(requirements, python=DEBIAN_PYTHON, cache=tmp_path)
    assert repaired.built, "a damaged wheelhouse must be rebuilt"


@needs_debian_python
def test_cli_prints_json_for_ansible(tmp_path: Path) -> None:
    result = run_provcloud("wheelhouse", "build", "--json", "--cache", str(tmp_path), "six==1.16.0")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["built"] is True
    assert report["wheels"] == 1
    assert Path(report["archive"]).is_file()


def test_provcloud_sources_are_part_of_the_key(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "src" / "provcloud").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'provcloud'\n")
    module = project / "src" / "provcloud" / "daemon.py"
    module.write_text("print('one')\n")
    first = source_digest(project)
    (project / "src" / "provcloud" / "__pycache__").mkdir()
    (project / "src" / "provcloud" / "__pycache__" / "daemon.cpython-311.pyc").write_bytes(b"compiled")
    assert source_digest(project) == first, "compiled files are not sources"
    module.write_text("print('two')\n")
    assert source_digest(project) != first, "a changed module must rebuild the exchange's wheelhouse"


@needs_debian_python
def test_with_provcloud_the_lock_pins_provcloud_without_its_controller_dependencies(tmp_path: Path) -> None:
    result = run_provcloud(
        "wheelhouse", "build", "--json", "--with-provcloud", "--cache", str(tmp_path), "PyYAML==6.0.3"
    )
    assert result.returncode == 0, result.stderr
    lock = Path(json.loads(result.stdout)["path"], "requirements.lock").read_text().splitlines()
    assert [line.split("==")[0] for line in lock] == ["provcloud", "pyyaml"], lock
