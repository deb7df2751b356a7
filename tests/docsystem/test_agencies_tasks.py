"""The docsystem role's agency tasks (tasks/agencies.yml) run by ansible-playbook on this machine
(local connection, no lab) against the fake API: what lands on the controller, and what an operator
sees when the module fails behind `no_log`."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import ROOT
from docsystem.fake_mayan import ADMIN, ADMIN_PASSWORD, FakeMayan, serving

PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
SO_KHCN = {"slug": "so-khcn", "name": "Sở Khoa học và Công nghệ", "org_code": "000.01.00.H01"}
SO_KHCN_RENAMED = {**SO_KHCN, "slug": "so-khcn-dmst", "name": "Sở Khoa học, Công nghệ và Đổi mới sáng tạo"}


def converge(
    tmp_path: Path, url: str, agencies: list[dict[str, str]], **overrides: Any
) -> subprocess.CompletedProcess[str]:
    role_vars = {
        "ansible_python_interpreter": sys.executable,  # this test's Python has Ansible; discovery may not
        "__docsystem_web_address": url.removeprefix("http://"),
        "docsystem_server_names": ["docsystem.demo.gov.vn"],
        "docsystem_https_port": 443,
        "docsystem_admin_username": ADMIN,
        "docsystem_admin_password": ADMIN_PASSWORD,
        "docsystem_admin_password_file": str(tmp_path / "admin.password"),
        "docsystem_credentials_dir": str(tmp_path / "agencies"),
        "docsystem_record_file": str(tmp_path / "docsystem.json"),
        "docsystem_agencies": agencies,
        "docsystem_exchange_cabinets": [],
        "docsystem_exchange_metadata_types": [],
        "docsystem_exchange_account": "",
        **overrides,
    }
    (tmp_path / "agencies").mkdir(exist_ok=True)
    playbook = [
        {
            "name": "The docsystem role's agency tasks alone",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "vars": role_vars,
            "tasks": [{"ansible.builtin.include_tasks": str(ROOT / "roles/docsystem/tasks/agencies.yml")}],
        }
    ]
    (tmp_path / "playbook.yml").write_text(json.dumps(playbook, ensure_ascii=False), encoding="utf-8")
    return subprocess.run(
        [str(PLAYBOOK), "-i", "localhost,", str(tmp_path / "playbook.yml")],
        cwd=ROOT,
        env={
            **os.environ,
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "ANSIBLE_LIBRARY": str(ROOT / "roles/docsystem/library"),
            "ANSIBLE_NOCOLOR": "1",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_each_agency_token_lands_on_the_controller_and_a_former_slug_is_forgotten(tmp_path: Path) -> None:
    api = FakeMayan()
    credentials = tmp_path / "agencies"
    with serving(api) as url:
        first = converge(tmp_path, url, [SO_KHCN])
        assert first.returncode == 0, first.stdout[-4000:]
        assert api.token_user((credentials / "so-khcn.token").read_text().strip()) == "so-khcn"
        record = json.loads((tmp_path / "docsystem.json").read_text())
        assert record["agencies"]["so-khcn"]["user_id"] == api.user("so-khcn")["id"]

        renamed = converge(tmp_path, url, [SO_KHCN_RENAMED])

    assert renamed.returncode == 0, renamed.stdout[-4000:]
    assert sorted(file.name for file in credentials.iterdir()) == ["so-khcn-dmst.password", "so-khcn-dmst.token"]
    assert api.token_user((credentials / "so-khcn-dmst.token").read_text().strip()) == "so-khcn-dmst"
    assert len(api.collections["groups"]) == 1, "the renamed agency must keep its one group"


def test_the_exchange_account_gets_its_password_and_token_on_the_controller(tmp_path: Path) -> None:
    api = FakeMayan()
    credentials = tmp_path / "agencies"
    with serving(api) as url:
        result = converge(tmp_path, url, [SO_KHCN], docsystem_exchange_account="provcloud-exchange",
                          docsystem_exchange_cabinets=["outbox", "inbox"])  # fmt: skip
        assert result.returncode == 0, result.stdout[-4000:]
        token = (credentials / "provcloud-exchange.token").read_text().strip()
        assert api.token_user(token) == "provcloud-exchange"
        password = (credentials / "provcloud-exchange.password").read_text().strip()
        assert api.passwords["provcloud-exchange"] == password and len(password) == 32
        record = json.loads((tmp_path / "docsystem.json").read_text())
        assert record["exchange_account"] == "provcloud-exchange"
        assert record["exchange_account_ids"]["user_id"] == api.user("provcloud-exchange")["id"]
        assert set(record["agencies"]["so-khcn"]["exchange_cabinet_ids"]) == {"outbox", "inbox"}
        again = converge(tmp_path, url, [SO_KHCN], docsystem_exchange_account="provcloud-exchange",
                         docsystem_exchange_cabinets=["outbox", "inbox"])  # fmt: skip
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-3000:]


def test_a_refused_administrator_login_stops_the_role_with_its_message(tmp_path: Path) -> None:
    with serving(FakeMayan()) as url:
        result = converge(tmp_path, url, [SO_KHCN], docsystem_admin_password="not the password")

    assert result.returncode != 0
    assert f"refused the administrator login '{ADMIN}'" in result.stdout, result.stdout[-4000:]
    assert "Traceback" not in result.stdout + result.stderr
    assert "not the password" not in result.stdout


def test_an_agency_listing_another_agencys_cabinet_stops_the_role_naming_both(tmp_path: Path) -> None:
    api = FakeMayan()
    so_tc = {"slug": "so-tc", "name": "Sở Tài chính", "org_code": "000.02.00.H01"}
    for agency in (SO_KHCN, so_tc):
        api.add("cabinets", {"label": f"{agency['org_code']} — {agency['name']}", "parent": None, "tree_id": 1})
    with serving(api) as url:
        result = converge(tmp_path, url, [SO_KHCN, so_tc])

    assert result.returncode != 0
    assert "isolation between agencies is broken" in result.stdout, result.stdout[-4000:]
    assert "so-khcn lists 000.02.00.H01 — Sở Tài chính (id" in result.stdout
    assert not (tmp_path / "docsystem.json").exists(), "no record of a space that is not isolated"
