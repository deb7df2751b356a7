"""The shared `config_files` module (plugins/modules/config_files.py), run as Ansible runs it.

The module is started as its own process with its arguments on stdin (what Ansible does on the
target); the files live in a temporary folder, owned by whoever runs the tests.
"""

import grp
import hashlib
import os
import pwd
import stat
import sys
from pathlib import Path
from typing import Any

from ansible_module import run_module
from conftest import ROOT

MODULE = ROOT / "plugins/modules/config_files.py"
OWNER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name


def run(directories: list[dict[str, Any]], files: list[dict[str, Any]], check: bool = False) -> dict[str, Any]:
    arguments = {"directories": directories, "files": files, "_ansible_check_mode": check, "_ansible_diff": True}
    return run_module(MODULE, arguments)


def owned(spec: dict[str, Any]) -> dict[str, Any]:
    return {"owner": OWNER, "group": GROUP, **spec}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_makes_folders_and_files_then_changes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "conf.d"
    directories = [owned({"path": str(folder), "mode": "0750"})]
    files = [
        owned({"dest": str(folder / "a.conf"), "content": "a = 1\n", "mode": "0640"}),
        owned({"dest": str(tmp_path / "b.conf"), "content": "b = ưu tiên\n", "mode": "0600"}),
    ]
    first = run(directories, files)
    assert first["changed"] and first["changed_directories"] == [str(folder)]
    assert first["changed_files"] == [str(folder / "a.conf"), str(tmp_path / "b.conf")]
    assert (folder / "a.conf").read_text() == "a = 1\n" and mode(folder / "a.conf") == 0o640
    assert (tmp_path / "b.conf").read_text(encoding="utf-8") == "b = ưu tiên\n" and mode(tmp_path / "b.conf") == 0o600
    assert mode(folder) == 0o750
    again = run(directories, files)
    assert not again["changed"], again
    assert again["changed_files"] == [] and again["changed_directories"] == []


def test_a_changed_content_or_mode_rewrites_only_that_file(tmp_path: Path) -> None:
    files = [
        owned({"dest": str(tmp_path / "a.conf"), "content": "a\n", "mode": "0644"}),
        owned({"dest": str(tmp_path / "b.conf"), "content": "b\n", "mode": "0644"}),
    ]
    run([], files)
    (tmp_path / "a.conf").chmod(0o666)
    (tmp_path / "b.conf").write_text("edited by hand\n")
    result = run([], files)
    assert result["changed_files"] == [str(tmp_path / "a.conf"), str(tmp_path / "b.conf")]
    assert mode(tmp_path / "a.conf") == 0o644
    assert (tmp_path / "b.conf").read_text() == "b\n"
    assert result["diff"] == [
        {"before_header": str(tmp_path / "b.conf"), "after_header": str(tmp_path / "b.conf"),
         "before": "edited by hand\n", "after": "b\n"},
    ]  # fmt: skip


def test_a_refused_file_never_goes_live(tmp_path: Path) -> None:
    live = tmp_path / "app.conf"
    live.write_text("good\n")
    check = f"{sys.executable} -c \"import sys; sys.exit('bad line 1' if 'bad' in open(sys.argv[1]).read() else 0)\" %s"
    result = run([], [owned({"dest": str(live), "content": "bad\n", "mode": "0644", "validate": check})])
    assert result["failed"]
    assert str(live) in result["msg"] and "bad line 1" in result["msg"], result["msg"]
    assert live.read_text() == "good\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.conf"], "a temporary file was left behind"
    accepted = run([], [owned({"dest": str(live), "content": "fine\n", "mode": "0644", "validate": check})])
    assert accepted["changed_files"] == [str(live)] and live.read_text() == "fine\n"


def test_check_mode_reports_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "new"
    result = run(
        [owned({"path": str(folder), "mode": "0755"})],
        [owned({"dest": str(tmp_path / "x.conf"), "content": "x\n", "mode": "0644"})],
        check=True,
    )
    assert result["changed"] and result["changed_files"] == [str(tmp_path / "x.conf")]
    assert not folder.exists() and not (tmp_path / "x.conf").exists()


def test_the_applied_record_tells_a_file_its_service_has_not_loaded(tmp_path: Path) -> None:
    dest, record = tmp_path / "svc.conf", tmp_path / "svc.sha256"
    spec = owned({"dest": str(dest), "content": "v1\n", "mode": "0644", "applied_record": str(record)})
    assert run([], [spec])["stale_files"] == [str(dest)], "no record yet: the service never loaded it"
    # What the role's handler writes once the service has loaded the file.
    record.write_text(f"{hashlib.sha256(b'v1' + bytes([10])).hexdigest()}  {dest}\n")
    settled = run([], [spec])
    assert settled["stale_files"] == [] and not settled["changed"]
    # A converge killed after writing v2 but before the handler: the next one says v2 is not loaded.
    dest.write_text("v2\n")
    spec_v2 = {**spec, "content": "v2\n"}
    result = run([], [spec_v2])
    assert result["changed"] and result["changed_files"] == [] and result["stale_files"] == [str(dest)]


def test_a_link_or_a_missing_folder_is_refused_by_name(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("not ours\n")
    (tmp_path / "link.conf").symlink_to(target)
    linked = run([], [owned({"dest": str(tmp_path / "link.conf"), "content": "x\n", "mode": "0644"})])
    assert linked["failed"] and "link.conf exists and is not a regular file" in linked["msg"]
    assert target.read_text() == "not ours\n"
    orphan = tmp_path / "nowhere" / "x.conf"
    missing = run([], [owned({"dest": str(orphan), "content": "x\n", "mode": "0644"})])
    assert missing["failed"] and str(orphan.parent) in missing["msg"] and "directories" in missing["msg"]


def test_an_unknown_owner_or_a_bad_mode_is_a_clear_failure(tmp_path: Path) -> None:
    nobody = run([], [{"dest": str(tmp_path / "a"), "content": "", "mode": "0644", "owner": "no-such-user-x"}])
    assert nobody["failed"] and "no such user or group" in nobody["msg"]
    bad = run([], [owned({"dest": str(tmp_path / "a"), "content": "", "mode": "rw-r--r--"})])
    assert bad["failed"] and "not an octal number" in bad["msg"]


def test_check_mode_before_the_owner_exists_reports_a_change(tmp_path: Path) -> None:
    # On a fresh machine the role's account is made by an earlier task, which check mode does not run.
    result = run(
        [{"path": str(tmp_path / "d"), "mode": "0750", "owner": "no-such-user-x", "group": GROUP}],
        [{"dest": str(tmp_path / "f"), "content": "x\n", "mode": "0640", "owner": "no-such-user-x", "group": GROUP}],
        check=True,
    )
    assert not result.get("failed"), result
    assert result["changed_directories"] == [str(tmp_path / "d")] and result["changed_files"] == [str(tmp_path / "f")]
    assert not (tmp_path / "d").exists() and not (tmp_path / "f").exists()
