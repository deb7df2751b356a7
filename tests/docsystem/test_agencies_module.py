"""The docsystem role's `docsystem_agencies` module, run as Ansible runs it, against a fake API.

The module is started as its own process with its arguments on stdin (what Ansible does on the
target), talking HTTP to tests/docsystem/fake_mayan.py on 127.0.0.1.
"""

import ast
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from ansible_module import run_module
from conftest import ROOT
from docsystem.fake_mayan import ADMIN, ADMIN_PASSWORD, FakeMayan, serving

MODULE = ROOT / "roles/docsystem/library/docsystem_agencies.py"
SO_KHCN = {"org_code": "000.01.00.H01", "slug": "so-khcn", "name": "Sở Khoa học và Công nghệ", "password": "pw-khcn"}
SO_TC = {"org_code": "000.02.00.H01", "slug": "so-tc", "name": "Sở Tài chính", "password": "pw-tc"}
SO_KHCN_RENAMED = {**SO_KHCN, "slug": "so-khcn-dmst", "name": "Sở Khoa học, Công nghệ và Đổi mới sáng tạo"}
SO_KHCN_RENAMED["password"] = "pw-khcn-dmst"  # the controller's password file of the new slug


@pytest.fixture
def api() -> FakeMayan:
    return FakeMayan()


@pytest.fixture
def url(api: FakeMayan) -> Iterator[str]:
    with serving(api) as base:
        yield base


def run(url: str, agencies: list[dict[str, str]], check_mode: bool = False, **overrides: Any) -> dict[str, Any]:
    """The module's JSON result; `failed` is true when it exited non-zero."""
    arguments = {
        "url": url,
        "host_header": "docsystem.demo.gov.vn",
        "admin_username": ADMIN,
        "admin_password": ADMIN_PASSWORD,
        "agencies": agencies,
        "_ansible_check_mode": check_mode,
        **overrides,
    }
    return run_module(MODULE, arguments)


def with_tokens(agencies: list[dict[str, str]], tokens: dict[str, str]) -> list[dict[str, str]]:
    """The agencies as the role hands them on the next run: with the tokens it saved."""
    return [{**agency, "token": tokens.get(agency["slug"], "")} for agency in agencies]


def inventory(api: FakeMayan) -> dict[str, int]:
    return {name: len(items) for name, items in api.collections.items()}


def test_creates_every_object_of_missing_agencies(api: FakeMayan, url: str) -> None:
    result = run(url, [SO_KHCN, SO_TC])

    assert not result.get("failed"), result.get("msg")
    assert result["changed"]
    label = "000.01.00.H01 — Sở Khoa học và Công nghệ"
    group, role = api.named("groups", "name")[label], api.named("roles")[label]
    cabinet, document_type = api.named("cabinets")[label], api.named("document_types")[label]
    user = api.user("so-khcn")
    metadata_type = api.named("metadata_types", "name")["agency_000_01_00_H01"]
    assert (user["first_name"], user["last_name"]) == ("Sở Khoa học và Công nghệ", "000.01.00.H01")
    assert (metadata_type["label"], metadata_type["default"]) == ("Sở Khoa học và Công nghệ", "000.01.00.H01")
    assert cabinet["parent_id"] is None
    assert api.members[f"roles/{role['id']}/groups"] == {group["id"]}
    assert api.members[f"groups/{group['id']}/users"] == {user["id"]}
    assert [link["metadata_type"]["id"] for link in api.attached[document_type["id"]]] == [metadata_type["id"]]
    cabinet_acls = api.acls[f"cabinets/cabinet/{cabinet['id']}"]
    assert [acl["role"]["id"] for acl in cabinet_acls] == [role["id"]], "only the agency's role reaches its cabinet"
    assert "cabinets.cabinet_add_document" in cabinet_acls[0]["permissions"]
    document_type_acls = api.acls[f"documents/documenttype/{document_type['id']}"]
    assert "documents.document_create" in document_type_acls[0]["permissions"]
    objects = {"group": group, "role": role, "cabinet": cabinet, "document_type": document_type, "user": user}
    objects["metadata_type"] = metadata_type
    ids = {f"{kind}_id": item["id"] for kind, item in objects.items()}
    assert result["agencies"]["so-khcn"] == {**ids, "exchange_cabinet_ids": {}}, "no exchange asked for, none made"
    assert sorted(result["tokens"]) == ["so-khcn", "so-tc"]
    assert api.token_user(result["tokens"]["so-tc"]) == "so-tc", "a returned token must log in as its agency"
    assert inventory(api) == {
        "groups": 2,
        "roles": 2,
        "users": 3,
        "cabinets": 2,
        "document_types": 2,
        "metadata_types": 2,
    }


def test_a_second_run_changes_nothing(api: FakeMayan, url: str) -> None:
    first = run(url, [SO_KHCN, SO_TC])
    api.requests.clear()

    second = run(url, with_tokens([SO_KHCN, SO_TC], first["tokens"]))

    assert not second["changed"], f"a second run changed: {second['changes']}"
    assert second["changes"] == []
    assert api.writes() == []
    assert second["tokens"] == {}, "tokens that still work are kept, not fetched again"
    assert second["agencies"] == first["agencies"]


def test_an_agency_renamed_under_the_same_org_code_is_updated_in_place(api: FakeMayan, url: str) -> None:
    first = run(url, [SO_KHCN, SO_TC])
    before = inventory(api)

    renamed = run(url, with_tokens([SO_KHCN_RENAMED, SO_TC], first["tokens"]))

    assert renamed["changed"]
    assert inventory(api) == before, "a renamed agency must not get a second set of objects"
    assert renamed["agencies"]["so-khcn-dmst"] == first["agencies"]["so-khcn"]
    label = "000.01.00.H01 — Sở Khoa học, Công nghệ và Đổi mới sáng tạo"
    assert label in api.named("groups", "name")
    assert {label, "000.02.00.H01 — Sở Tài chính"} == set(api.named("cabinets"))
    user = api.user("so-khcn-dmst")
    assert user["id"] == first["agencies"]["so-khcn"]["user_id"]
    assert user["first_name"] == "Sở Khoa học, Công nghệ và Đổi mới sáng tạo"
    assert api.named("metadata_types", "name")["agency_000_01_00_H01"]["label"] == label[16:][:48]
    assert renamed["renamed"] == {"so-khcn": "so-khcn-dmst"}
    assert api.token_user(renamed["tokens"]["so-khcn-dmst"]) == "so-khcn-dmst"
    assert api.passwords["so-khcn-dmst"] == "pw-khcn-dmst", "the account takes the new slug's password"

    again = run(url, with_tokens([SO_KHCN_RENAMED, SO_TC], {**first["tokens"], **renamed["tokens"]}))
    assert not again["changed"], f"the run after a rename changed: {again['changes']}"


EXCHANGE: dict[str, Any] = {
    "exchange_cabinets": ["outbox", "inbox"],
    "exchange_metadata_types": [
        {"name": "exchange_number", "label": "Số văn bản"},
        {"name": "exchange_recipients", "label": "Nơi nhận (mã định danh)"},
    ],
}


def test_the_exchange_gets_each_agency_an_outbox_and_inbox_and_its_metadata_types(api: FakeMayan, url: str) -> None:
    result = run(url, [SO_KHCN, SO_TC], **EXCHANGE)

    assert not result.get("failed"), result.get("msg")
    types = api.named("metadata_types", "name")
    number, recipients = types["exchange_number"], types["exchange_recipients"]
    assert (number["label"], recipients["label"]) == ("Số văn bản", "Nơi nhận (mã định danh)")
    for agency in ("so-khcn", "so-tc"):
        ids = result["agencies"][agency]
        cabinets = api.collections["cabinets"].values()
        children = {c["label"]: c for c in cabinets if c["parent_id"] == ids["cabinet_id"]}
        assert set(children) == {"outbox", "inbox"}
        assert ids["exchange_cabinet_ids"] == {label: child["id"] for label, child in children.items()}
        for child in children.values():
            acls = api.acls[f"cabinets/cabinet/{child['id']}"]
            assert [acl["role"]["id"] for acl in acls] == [ids["role_id"]], "only the agency's role reaches its boxes"
            assert "cabinets.cabinet_add_document" in acls[0]["permissions"]
        attached = {link["metadata_type"]["id"] for link in api.attached[ids["document_type_id"]]}
        assert attached == {ids["metadata_type_id"], number["id"], recipients["id"]}
        for metadata_type in attached:  # Mayan lists a type, and takes a value of it, only with these
            acls = api.acls[f"metadata/metadatatype/{metadata_type}"]
            mine = [acl for acl in acls if acl["role"]["id"] == ids["role_id"]]
            assert (
                mine
                and {"metadata_setup.metadata_type_view", "metadata.metadata_document_add"} <= mine[0]["permissions"]
            )
    own = {agency: result["agencies"][agency]["metadata_type_id"] for agency in ("so-khcn", "so-tc")}
    other_role = result["agencies"]["so-tc"]["role_id"]
    assert other_role not in [acl["role"]["id"] for acl in api.acls[f"metadata/metadatatype/{own['so-khcn']}"]]
    assert len(api.collections["metadata_types"]) == 4, "the exchange's types are made once, not per agency"

    api.requests.clear()
    again = run(url, with_tokens([SO_KHCN, SO_TC], result["tokens"]), **EXCHANGE)
    assert not again["changed"], f"a second run changed: {again['changes']}"
    assert api.writes() == []


def test_the_exchange_account_may_read_and_file_in_every_agency_and_do_nothing_else(api: FakeMayan, url: str) -> None:
    account = {"username": "provcloud-exchange", "password": "pw-exchange"}
    result = run(url, [SO_KHCN, SO_TC], exchange_account=account)

    assert not result.get("failed"), result.get("msg")
    ids = result["exchange_account"]
    user = api.user("provcloud-exchange")
    assert ids["user_id"] == user["id"]
    assert api.members[f"groups/{ids['group_id']}/users"] == {user["id"]}
    assert api.members[f"roles/{ids['role_id']}/groups"] == {ids["group_id"]}
    granted = api.role_permissions[ids["role_id"]]
    assert {"documents.document_view", "cabinets.cabinet_add_document", "metadata.metadata_document_edit"} <= granted
    assert not any("delete" in p or "trash" in p for p in granted), granted
    assert api.token_user(result["tokens"]["provcloud-exchange"]) == "provcloud-exchange"

    api.requests.clear()
    tokens = result["tokens"]
    again = run(
        url,
        with_tokens([SO_KHCN, SO_TC], tokens),
        exchange_account={**account, "token": tokens["provcloud-exchange"]},
    )
    assert not again["changed"], again["changes"]
    assert api.writes() == [] and again["tokens"] == {}


def agency_number(number: int) -> dict[str, str]:
    return {
        "org_code": f"000.{number:02}.00.H01",
        "slug": f"so-{number}",
        "name": f"Sở {number}",
        "password": f"pw-{number}",
    }


def test_agencies_made_at_once_each_list_only_their_own_cabinets(api: FakeMayan, url: str) -> None:
    # Eight agencies, four at a time: with every agency's cabinet created in the parallel part, two
    # roots made at once shared a tree (the fake, like django-mptt, reads max(tree_id) before it
    # inserts) and one agency's role listed the other's cabinet.
    agencies = [agency_number(number) for number in range(1, 9)]
    result = run(url, agencies, parallel=4, **EXCHANGE)

    assert not result.get("failed"), result.get("msg")
    assert result["exposed"] == {}
    for agency in agencies:
        ids = result["agencies"][agency["slug"]]
        own = {ids["cabinet_id"], *ids["exchange_cabinet_ids"].values()}
        listed = {cabinet["id"] for cabinet in api.visible_cabinets(result["tokens"][agency["slug"]])}
        assert listed == own, f"{agency['slug']} lists other agencies' cabinets: {sorted(listed - own)}"


def test_cabinets_sharing_a_tree_are_reported_with_what_each_agency_can_see(api: FakeMayan, url: str) -> None:
    # What a province converged by an earlier release can hold: two roots in one tree.
    for agency in (SO_KHCN, SO_TC):
        api.add("cabinets", {"label": f"{agency['org_code']} — {agency['name']}", "parent": None, "tree_id": 1})

    result = run(url, [SO_KHCN, SO_TC])

    assert not result.get("failed"), result.get("msg")
    assert result["exposed"] == {
        "so-khcn": [f"000.02.00.H01 — Sở Tài chính (id {api.named('cabinets')['000.02.00.H01 — Sở Tài chính']['id']})"],
        "so-tc": [
            f"000.01.00.H01 — Sở Khoa học và Công nghệ "
            f"(id {api.named('cabinets')['000.01.00.H01 — Sở Khoa học và Công nghệ']['id']})"
        ],
    }


def test_an_exchange_account_named_like_an_agency_is_refused(api: FakeMayan, url: str) -> None:
    result = run(url, [SO_KHCN], exchange_account={"username": "so-khcn", "password": "x"})
    assert result["failed"] and "also an agency's slug" in result["msg"]
    assert api.writes() == []


def test_check_mode_reports_and_changes_nothing(api: FakeMayan, url: str) -> None:
    result = run(url, [SO_KHCN], check_mode=True)

    assert result["changed"]
    assert "create group '000.01.00.H01 — Sở Khoa học và Công nghệ'" in result["changes"]
    assert "create API account so-khcn" in result["changes"]
    assert api.writes() == []
    assert inventory(api)["groups"] == 0
    assert result["tokens"] == {}


def test_check_mode_reports_a_rename_and_changes_nothing(api: FakeMayan, url: str) -> None:
    first = run(url, [SO_KHCN])
    api.requests.clear()

    result = run(url, with_tokens([SO_KHCN_RENAMED], first["tokens"]), check_mode=True)

    assert result["changed"]
    assert "rename API account so-khcn to so-khcn-dmst" in result["changes"]
    assert api.writes() == []
    assert api.user("so-khcn")["first_name"] == "Sở Khoa học và Công nghệ"


def test_objects_named_after_the_slug_are_taken_over(api: FakeMayan, url: str) -> None:
    """Groups, roles and accounts the module made before it labelled them with the org code."""
    api.add("groups", {"name": "so-khcn"})
    api.add("roles", {"label": "so-khcn"})
    api.add("users", {"username": "so-khcn", "first_name": "Sở Khoa học và Công nghệ", "last_name": ""}, "pw-khcn")

    result = run(url, [SO_KHCN])

    assert "rename group 'so-khcn' to '000.01.00.H01 — Sở Khoa học và Công nghệ'" in result["changes"]
    assert "update API account so-khcn (last_name)" in result["changes"]
    assert (inventory(api)["groups"], inventory(api)["roles"], inventory(api)["users"]) == (1, 1, 2)


def test_an_account_refusing_its_password_gets_the_controllers(api: FakeMayan, url: str) -> None:
    run(url, [SO_KHCN])
    api.passwords["so-khcn"] = "changed by someone in the web interface"

    result = run(url, [SO_KHCN])

    assert "set the password of API account so-khcn" in result["changes"]
    assert api.token_user(result["tokens"]["so-khcn"]) == "so-khcn"


def test_a_wrong_administrator_password_is_a_failure_that_says_what_to_check(api: FakeMayan, url: str) -> None:
    result = run(url, [SO_KHCN], admin_password="not the password")

    assert result["failed"]
    assert result["msg"].startswith(f"the document system at {url} (Host: docsystem.demo.gov.vn) refused")
    assert f"administrator login {ADMIN!r}" in result["msg"]
    assert "HTTP 400" in result["msg"]
    assert "docsystem_admin_password_file" in result["msg"]
    assert "not the password" not in json.dumps(result), "the failure must not show the password"
    assert inventory(api)["groups"] == 0


def test_an_http_500_is_a_failure_naming_the_request(api: FakeMayan, url: str) -> None:
    api.fail_with = 500

    result = run(url, [SO_KHCN])

    assert result["failed"]
    assert "GET /api/v4/groups/: HTTP 500" in result["msg"]
    assert "journalctl -u docsystem-web.service" in result["msg"]


def test_an_unreachable_api_is_a_failure_that_says_what_to_check() -> None:
    with serving(FakeMayan()) as stopped:
        pass  # the port was free a moment ago and nothing listens on it now

    result = run(stopped, [SO_KHCN])

    assert result["failed"]
    assert result["msg"].startswith(f"cannot reach the document system's API at {stopped}")
    assert "POST /api/v4/auth/token/obtain/" in result["msg"]
    assert "docsystem-web.service" in result["msg"]


def test_an_agency_without_an_org_code_is_refused_before_any_request(api: FakeMayan, url: str) -> None:
    result = run(url, [{**SO_KHCN, "org_code": ""}])

    assert result["failed"]
    assert result["msg"] == "agencies without a value the module needs: agency 1: org_code"
    assert api.requests == []


def test_the_module_imports_only_what_a_target_has() -> None:
    """Ansible copies the module to the target: the standard library and ansible.module_utils only."""
    tree = ast.parse(MODULE.read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    foreign = {
        name
        for name in imported
        if name.split(".")[0] not in sys.stdlib_module_names and not name.startswith("ansible.module_utils.")
    }
    assert not foreign, f"the module imports what a target does not have: {sorted(foreign)}"
