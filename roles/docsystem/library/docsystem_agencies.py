#!/usr/bin/python
"""Ansible module: every agency present in the document system, through its REST API.

Copied to the target and run there: it imports only the standard library and
ansible.module_utils. Under the project's ruff and mypy gates; tests/docsystem/test_agencies_module.py
runs it against a fake API.
"""

import http.client
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: docsystem_agencies
short_description: Make every agency present in the document system (Mayan EDMS REST API v4)
description:
  - For each agency, makes sure the document system holds a group and a role bound to the group, a
    cabinet (the agency's folder) and a document type, all four labelled C(<org code> — <name>);
    a metadata type C(agency_<org code>) recording the code (default value) and the Vietnamese
    name (label), attached to the document type; access rights of the role on the cabinet and the
    document type only; and an API account (login = slug, last name = org code) in the group,
    with a token.
  - Every object is found by the agency's org code (C(org_code), mã định danh under QĐ 20/2020,
    which does not change), never by its slug or name, which may. An agency renamed in the
    catalogue (same org code, new name or slug) has its objects relabelled and its account renamed
    in place, not duplicated; the renamed account gets the password of the new slug
    (C(password)). Agencies absent from the list are left alone.
  - A group or role named after the slug alone (made before objects carried the org code) is taken
    over and relabelled; so is an account whose login is the slug.
  - Idempotent; supports check mode (then reports what it would create or change, without tokens).
  - The administrator's password is checked once, for a session token: Basic authentication would
    hash it again on every request (PBKDF2, a good part of a second of CPU each).
  - An agency's token already known to the caller (C(token)) is kept while it still authenticates
    that agency's account; otherwise a token is obtained with the account's password, which is
    set first when the account refuses it (the controller's password file is the reference).
  - A refused administrator login, an unreachable API or an unexpected answer is a module failure
    whose message says what failed and what to check.
options:
  url:
    description: Base URL of the application (the API is under C(/api/v4/)).
    type: str
    required: true
  host_header:
    description: Host header to send (a name the application serves), when I(url) is an address.
    type: str
  validate_certs:
    description: Check the server's TLS certificate.
    type: bool
    default: true
  admin_username:
    description: An administrator's login.
    type: str
    required: true
  admin_password:
    description: Its password.
    type: str
    required: true
  agencies:
    description: The agencies.
    type: list
    elements: dict
    required: true
    suboptions:
      org_code:
        description: Its identifier code, the key its objects are found by.
        type: str
        required: true
      slug:
        description: Its slug, the login of its API account.
        type: str
        required: true
      name:
        description: Its Vietnamese name.
        type: str
        required: true
      password:
        description: The password of its API account.
        type: str
        required: true
      token:
        description: The token the caller holds for it, if any.
        type: str
        default: ""
  exchange_cabinets:
    description:
      - Child cabinets of every agency's cabinet for the document exchange (the exchange's C(outbox)
        and C(inbox)), found by label under that cabinet, with the agency role's rights on each.
      - Empty (the default) leaves the exchange's objects alone.
    type: list
    elements: str
    default: []
  exchange_metadata_types:
    description:
      - Metadata types of the document exchange (number, notation, recipients...), made once and
        attached to every agency's document type, not required.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Its name (what the exchange reads and writes).
        type: str
        required: true
      label:
        description: What a person sees.
        type: str
        required: true
  exchange_account:
    description:
      - The document exchange's API account (C(username), C(password), C(token) the caller holds):
        a user in a group and role of the same name with the exchange's permissions on every
        agency's documents and cabinets. Its token, when new, is returned under its username in
        C(tokens). Omitted: no such account.
    type: dict
  parallel:
    description: How many agencies are reconciled at the same time.
    type: int
    default: 4
author: provcloud
"""

RETURN = r"""
agencies:
  description: Per agency slug, the ids of its objects (group, role, cabinet, document type, metadata type, user).
  returned: always
  type: dict
tokens:
  description: >-
    Per agency slug, the API token of its account when the caller did not hold a working one
    (empty in check mode). Secret.
  returned: always
  type: dict
exchange_account:
  description: The ids of the exchange account's user, group and role (empty without one).
  returned: always
  type: dict
renamed:
  description: Per former login of a renamed account, its new login (the agency's new slug).
  returned: always
  type: dict
exposed:
  description: >-
    Per agency slug, the cabinets of other agencies its account can list: empty unless cabinets
    share an MPTT tree (made at the same time by an earlier release); the role then rebuilds the
    trees and runs the module again.
  returned: always
  type: dict
changes:
  description: What was created or changed, one line each.
  returned: always
  type: list
"""

API = "/api/v4/"
PAGE_SIZE = 100
TIMEOUT = 60
"""Seconds one request may take."""
LOGIN = "auth/token/obtain/"
REFUSED = (400, 401, 403)
"""How the API answers a login or token it does not accept."""
CABINET_PERMISSIONS = ["cabinets.cabinet_view", "cabinets.cabinet_add_document", "cabinets.cabinet_remove_document"]
FILING_PERMISSIONS = [
    "documents_types.document_type_view",
    "documents.document_create",
    "documents.document_view",
    "documents.document_file_view",
    "document_downloads.document_file_download",
    *CABINET_PERMISSIONS,
    "metadata.metadata_document_view",
    "metadata.metadata_document_add",
    "metadata.metadata_document_edit",
]
"""Reading and filing documents with their metadata: what an agency and the exchange both need."""
DOCUMENT_TYPE_PERMISSIONS = [
    *FILING_PERMISSIONS,
    "documents.document_properties_edit",
    "documents.document_file_new",
    "documents.document_version_view",
    "documents.document_trash",
]
METADATA_TYPE_PERMISSIONS = [
    "metadata_setup.metadata_type_view",
    "metadata.metadata_document_view",
    "metadata.metadata_document_add",
    "metadata.metadata_document_edit",
]
"""What an agency's role holds on each metadata type of its document type (its own, the exchange's):
Mayan checks these on the metadata type too, not only on the document (a document type's metadata
types are listed, and a value added, only where the caller may view and add that type)."""
EXCHANGE_PERMISSIONS = [
    *FILING_PERMISSIONS,
    "metadata_setup.metadata_type_view",
    "comments.comment_create",
    "comments.comment_view",
]
"""What the exchange account may do in every agency's space (global role permissions: it reads
every outbox and files into every inbox); never trash or delete."""

Json = dict[str, Any]
"""One object as the API returns it."""


class Agency(TypedDict):
    org_code: str
    slug: str
    name: str
    password: str
    token: NotRequired[str]


class ApiError(Exception):
    """The API did not answer a request as expected: `request` is `METHOD path`, `status` the HTTP one."""

    def __init__(self, request: str, problem: str, status: int | None = None) -> None:
        super().__init__(f"{request}: {problem}")
        self.request = request
        self.problem = problem
        self.status = status


class Unreachable(ApiError):
    """No HTTP answer at all (refused connection, unknown name, timeout, TLS failure)."""


class Client:
    """The API as the administrator, logged in once for a token."""

    def __init__(self, url: str, host_header: str | None, validate_certs: bool, username: str, password: str) -> None:
        self.base = url.rstrip("/") + API
        self.headers = {"Accept": "application/json"}
        if host_header:
            self.headers["Host"] = host_header
        # Off only when asked (a lab's self-signed certificate); then deliberately unverified.
        self.context = None if validate_certs else ssl._create_unverified_context()
        self.headers["Authorization"] = f"Token {self.login(username, password)}"

    def login(self, username: str, password: str) -> str:
        """A token of `username`'s account; ApiError with a status in REFUSED when the password is wrong."""
        answer = self.call("POST", LOGIN, {"username": username, "password": password}, auth=False)
        if not isinstance(answer, dict) or not isinstance(answer.get("token"), str):
            raise ApiError(f"POST {LOGIN}", "the answer carries no token")
        return str(answer["token"])

    def authenticates(self, token: str, username: str) -> bool:
        """Whether `token` still logs in as `username` (no password hashing on the server)."""
        try:
            answer = self.call("GET", "users/current/", token=token)
        except ApiError as error:
            if error.status in REFUSED:
                return False
            raise
        return isinstance(answer, dict) and answer.get("username") == username

    def call(
        self, method: str, path: str, body: Json | None = None, auth: bool = True, token: str | None = None
    ) -> Any:
        """The decoded JSON answer; `auth=False`: anonymous; `token`: as that token's account."""
        request_name = f"{method} {API}{path.split('?')[0]}"
        headers = dict(self.headers)
        if not auth:
            headers.pop("Authorization", None)
        elif token is not None:
            headers["Authorization"] = f"Token {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=TIMEOUT) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read()[:300].decode(errors="replace").strip()
            raise ApiError(request_name, f"HTTP {error.code} {error.reason}: {detail}", error.code) from None
        except urllib.error.URLError as error:
            raise Unreachable(request_name, str(error.reason)) from None
        except (OSError, http.client.HTTPException) as error:
            raise Unreachable(request_name, f"{type(error).__name__}: {error}") from None
        if not payload:
            return None
        try:
            return json.loads(payload)
        except ValueError:
            raise ApiError(request_name, f"the answer is not JSON: {payload[:100]!r}") from None

    def all(self, path: str, token: str | None = None) -> list[Json]:
        """Every object of a list, page after page (`token`: as that token's account sees it)."""
        separator = "&" if "?" in path else "?"
        results: list[Json] = []
        page_path: str | None = f"{path}{separator}page_size={PAGE_SIZE}"
        while page_path is not None:
            page = self.call("GET", page_path, token=token)
            if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                raise ApiError(f"GET {API}{path}", "the answer is not a page of results")
            results.extend(page["results"])
            page_path = self._relative(page["next"]) if page.get("next") else None
        return results

    def _relative(self, url: str) -> str:
        """`next` links carry the server's own idea of its address; keep ours."""
        parsed = urllib.parse.urlsplit(url)
        path = parsed.path[parsed.path.index(API) + len(API) :]
        return f"{path}?{parsed.query}" if parsed.query else path


@dataclass(frozen=True)
class Kind:
    """A kind of object labelled `<org code> — <name>`: where it is listed and which field is its label."""

    name: str
    path: str
    label_field: str = "label"
    legacy_by_slug: bool = False
    """Whether an object labelled with the bare slug (the module's former naming) is taken over."""
    extra: Json = field(default_factory=dict)


GROUP = Kind("group", "groups/", label_field="name", legacy_by_slug=True)
ROLE = Kind("role", "roles/", legacy_by_slug=True)
CABINET = Kind("cabinet", "cabinets/", extra={"parent": None})
DOCUMENT_TYPE = Kind("document type", "document_types/")


class Reconciler:
    def __init__(
        self, client: Client, check_mode: bool, exchange_cabinets: list[str], exchange_metadata_types: list[Json]
    ) -> None:
        self.client = client
        self.exchange_cabinets = exchange_cabinets
        self.exchange_metadata_types = exchange_metadata_types
        self.exchange_types: list[Json] = []
        """The exchange's metadata types once `prepare` has made them present."""
        self.check_mode = check_mode
        self.changes: list[str] = []
        self.tokens: dict[str, str] = {}
        self.renamed: dict[str, str] = {}
        groups, roles, cabinets = (client.all(kind.path) for kind in (GROUP, ROLE, CABINET))
        self.child_cabinets = [item for item in cabinets if item.get("parent_id") not in (None, "")]
        self.objects: dict[str, list[Json]] = {  # by Kind.path
            GROUP.path: groups,
            ROLE.path: roles,
            CABINET.path: [item for item in cabinets if item.get("parent_id") in (None, "")],
            DOCUMENT_TYPE.path: client.all(DOCUMENT_TYPE.path),
        }
        self.users = client.all("users/")
        self.metadata_types = {item["name"]: item for item in client.all("metadata_types/")}
        self.exposed: dict[str, list[str]] = {}
        """Agency slug -> the other agencies' cabinets its account can list (none, unless trees are shared)."""
        self.cabinets: dict[str, Json | None] = {}
        """Each agency's cabinet by org code, once `root_cabinets` has made them present."""

    def prepare(self) -> None:
        """The exchange's metadata types, present once for all agencies (before they run in parallel:
        two agencies must not both create one); in check mode only those that exist already."""
        present: list[Json] = []
        for wanted in self.exchange_metadata_types:
            found = self.metadata_types.get(wanted["name"])
            if found is None:
                found = self.change(
                    f"create metadata type {wanted['name']}",
                    "POST",
                    "metadata_types/",
                    {"name": wanted["name"], "label": wanted["label"][:48]},
                )
                if found is None:
                    continue
                self.metadata_types[wanted["name"]] = found
            elif found.get("label") != wanted["label"][:48]:
                self.change(
                    f"update metadata type {wanted['name']}",
                    "PATCH",
                    f"metadata_types/{found['id']}/",
                    {"label": wanted["label"][:48]},
                )
            present.append(found)
        self.exchange_types = present

    def root_cabinets(self, agencies: list[Agency]) -> None:
        """Each agency's cabinet, made present one at a time before the agencies run in parallel.

        Mayan's cabinets are MPTT trees, and django-mptt numbers a new tree max(tree_id) + 1 without
        a lock (TreeManager._get_next_tree_id): two cabinets created at once by two web workers can
        share one tree. Mayan evaluates a cabinet's ACLs on its tree's root (cabinets/apps.py,
        get_root_filter), so the role of either agency would then open both cabinets.
        """
        for agency in agencies:
            self.cabinets[agency["org_code"]] = self.labelled(CABINET, agency)

    def foreign_cabinets(self, token: str, own: set[int]) -> list[str]:
        """The cabinets the agency's account can list that are not its own (its cabinet and boxes)."""
        listed = self.client.all("cabinets/", token=token)
        return [f"{item['full_path']} (id {item['id']})" for item in listed if item["id"] not in own]

    def child_cabinet(self, parent: Json, label: str) -> Json | None:
        """The cabinet `label` under `parent` (an agency's outbox or inbox), created when missing."""
        found = next(
            (item for item in self.child_cabinets if item.get("parent_id") == parent["id"] and item["label"] == label),
            None,
        )
        if found is not None:
            return found
        return self.change(
            f"create cabinet {label!r} under {parent['label']!r}",
            "POST",
            CABINET.path,
            {"label": label, "parent": parent["id"]},
        )

    def change(self, description: str, method: str, path: str, body: Json | None = None) -> Json | None:
        """Make one change (or, in check mode, only report it); the API's answer."""
        self.changes.append(description)
        if self.check_mode:
            return None
        answer: Json | None = self.client.call(method, path, body)
        return answer

    def labelled(self, kind: Kind, agency: Agency) -> Json | None:
        """The agency's object of `kind`, found by org code; created or relabelled as needed."""
        code, label = agency["org_code"], f"{agency['org_code']} — {agency['name']}"
        items = self.objects[kind.path]
        found = next((item for item in items if has_code(item[kind.label_field], code)), None)
        if found is None and kind.legacy_by_slug:
            found = next((item for item in items if item[kind.label_field] == agency["slug"]), None)
        if found is None:
            body = {kind.label_field: label, **kind.extra}
            created = self.change(f"create {kind.name} {label!r}", "POST", kind.path, body)
            if created is not None:
                items.append(created)
            return created
        if found[kind.label_field] != label:
            self.change(
                f"rename {kind.name} {found[kind.label_field]!r} to {label!r}",
                "PATCH",
                f"{kind.path}{found['id']}/",
                {kind.label_field: label},
            )
            found[kind.label_field] = label  # what later change lines name it by
        return found

    def agency(self, agency: Agency) -> dict[str, int]:
        """Every object of one agency present; their ids (partial in check mode when some are missing)."""
        group = self.labelled(GROUP, agency)
        role = self.labelled(ROLE, agency)
        cabinet = self.cabinets[agency["org_code"]]
        document_type = self.labelled(DOCUMENT_TYPE, agency)
        metadata_type = self.metadata_type(agency["org_code"], agency["name"])
        user = self.account(agency)
        if group is None or role is None or cabinet is None or document_type is None:
            return {}  # check mode: what is missing is reported; its children cannot be inspected
        if metadata_type is None or user is None:
            return {}
        self.member(f"roles/{role['id']}/groups/", "group", group, f"role {role['label']!r}")
        self.member(f"groups/{group['id']}/users/", "user", user, f"group {group['name']!r}")
        self.attach_metadata_types(document_type, [metadata_type, *self.exchange_types])
        self.acl("cabinets", "cabinet", cabinet["id"], role, CABINET_PERMISSIONS)
        exchange: dict[str, int] = {}
        for label in self.exchange_cabinets:
            child = self.child_cabinet(cabinet, label)
            if child is None:
                continue  # check mode: it would be created, and its rights granted
            self.acl("cabinets", "cabinet", child["id"], role, CABINET_PERMISSIONS)
            exchange[label] = child["id"]
        self.acl("documents", "documenttype", document_type["id"], role, DOCUMENT_TYPE_PERMISSIONS)
        for attached in [metadata_type, *self.exchange_types]:
            self.acl("metadata", "metadatatype", attached["id"], role, METADATA_TYPE_PERMISSIONS)
        if not self.check_mode:
            token = self.token(agency, user)
            foreign = self.foreign_cabinets(token, {cabinet["id"], *exchange.values()})
            if foreign:
                self.exposed[agency["slug"]] = foreign
        return {
            "group_id": group["id"],
            "role_id": role["id"],
            "cabinet_id": cabinet["id"],
            "document_type_id": document_type["id"],
            "metadata_type_id": metadata_type["id"],
            "user_id": user["id"],
            "exchange_cabinet_ids": exchange,
        }

    def account(self, agency: Agency) -> Json | None:
        """The agency's API account, found by the org code in its last name (or, made before, by login)."""
        code, slug, name = agency["org_code"], agency["slug"], agency["name"][:150]
        found = next((user for user in self.users if user.get("last_name") == code), None)
        if found is None:
            found = next((user for user in self.users if user["username"] == slug), None)
        if found is None:
            return self.change(
                f"create API account {slug}",
                "POST",
                "users/",
                {"username": slug, "password": agency["password"], "first_name": name, "last_name": code, "email": ""},
            )
        wanted: Json = {"username": slug, "first_name": name, "last_name": code}
        update = {key: value for key, value in wanted.items() if found.get(key) != value}
        if "username" in update:
            # The controller keeps credentials per slug: the new slug's password file is the one to use.
            update["password"] = agency["password"]
            self.renamed[found["username"]] = slug
            self.change(f"rename API account {found['username']} to {slug}", "PATCH", f"users/{found['id']}/", update)
        elif update:
            self.change(f"update API account {slug} ({', '.join(update)})", "PATCH", f"users/{found['id']}/", update)
        return found

    def token(self, agency: Agency, user: Json) -> str:
        """A working token for the agency: the one the caller holds, or a new one in `tokens`."""
        return self.account_token(agency["slug"], agency["password"], agency.get("token", ""), user)

    def account_token(self, username: str, password: str, held: str, user: Json) -> str:
        """`held` if it still authenticates `username`, else a new token (also put in `tokens`);
        the account's password is set first when it refuses the controller's."""
        if held and self.client.authenticates(held, username):
            return held
        try:
            self.tokens[username] = self.client.login(username, password)
        except ApiError as error:
            if error.status not in REFUSED:
                raise
            self.change(
                f"set the password of API account {username}", "PATCH", f"users/{user['id']}/", {"password": password}
            )
            self.tokens[username] = self.client.login(username, password)
        return self.tokens[username]

    def exchange_account(self, account: Json) -> dict[str, int]:
        """The document exchange's account: a user, and a group and role of the same name holding
        EXCHANGE_PERMISSIONS globally; its ids (empty in check mode while something is missing)."""
        username = account["username"]
        user = next((item for item in self.users if item["username"] == username), None)
        if user is None:
            user = self.change(
                f"create API account {username}",
                "POST",
                "users/",
                {"username": username, "password": account["password"], "first_name": "Document exchange",
                 "last_name": "", "email": ""},
            )  # fmt: skip
        group = next((item for item in self.objects[GROUP.path] if item["name"] == username), None)
        if group is None:
            group = self.change(f"create group {username!r}", "POST", GROUP.path, {"name": username})
        role = next((item for item in self.objects[ROLE.path] if item["label"] == username), None)
        if role is None:
            role = self.change(f"create role {username!r}", "POST", ROLE.path, {"label": username})
        if user is None or group is None or role is None:
            return {}
        self.member(f"roles/{role['id']}/groups/", "group", group, f"role {username!r}")
        self.member(f"groups/{group['id']}/users/", "user", user, f"group {username!r}")
        self.grant(f"roles/{role['id']}/permissions/", EXCHANGE_PERMISSIONS, f"role {username!r}")
        if not self.check_mode:
            self.account_token(username, account["password"], account.get("token", ""), user)
        return {"user_id": user["id"], "group_id": group["id"], "role_id": role["id"]}

    def metadata_type(self, code: str, name: str) -> Json | None:
        identifier = "agency_" + "".join(character if character.isalnum() else "_" for character in code)
        wanted = {"label": name[:48], "default": code}
        found = self.metadata_types.get(identifier)
        if found is None:
            return self.change(
                f"create metadata type {identifier}", "POST", "metadata_types/", {"name": identifier, **wanted}
            )
        if any(found.get(key) != value for key, value in wanted.items()):
            self.change(f"update metadata type {identifier}", "PATCH", f"metadata_types/{found['id']}/", wanted)
        return found

    def member(self, list_path: str, kind: str, member: Json, owner: str) -> None:
        """`member` (a group or user) in the list at `list_path` (of `owner`)."""
        if member["id"] not in {item["id"] for item in self.client.all(list_path)}:
            self.change(f"add {kind} {member['id']} to {owner}", "POST", f"{list_path}add/", {kind: member["id"]})

    def attach_metadata_types(self, document_type: Json, metadata_types: list[Json]) -> None:
        path = f"document_types/{document_type['id']}/metadata_types/"
        attached = {item["metadata_type"]["id"] for item in self.client.all(path)}
        for metadata_type in metadata_types:
            if metadata_type["id"] not in attached:
                self.change(
                    f"attach metadata type {metadata_type['name']} to document type {document_type['id']}",
                    "POST",
                    path,
                    {"metadata_type_id": metadata_type["id"], "required": False},
                )

    def acl(self, app_label: str, model: str, object_id: int, role: Json, permissions: list[str]) -> None:
        base = f"objects/{app_label}/{model}/{object_id}/acls/"
        acl = next((item for item in self.client.all(base) if item["role"]["id"] == role["id"]), None)
        if acl is None:
            acl = self.change(
                f"grant role {role['label']} on {model} {object_id}", "POST", base, {"role_id": role["id"]}
            )
            if acl is None:
                return
        self.grant(f"{base}{acl['id']}/permissions/", permissions, f"role {role['label']} on {model} {object_id}")

    def grant(self, list_path: str, permissions: list[str], whom: str) -> None:
        """Each of `permissions` in the list at `list_path` (a role's, or an access control list's)."""
        granted = {item["pk"] for item in self.client.all(list_path)}
        for permission in permissions:
            if permission not in granted:
                self.change(f"grant {permission} to {whom}", "POST", f"{list_path}add/", {"permission": permission})


def has_code(label: str, code: str) -> bool:
    """Whether an object's label is the org code or starts with it (then a space and the name)."""
    return label == code or label.startswith(f"{code} ")


def failure(error: ApiError, params: Json, admin_login: bool) -> str:
    """The module's failure message: what failed and what to check."""
    where = params["url"] + (f" (Host: {params['host_header']})" if params["host_header"] else "")
    if isinstance(error, Unreachable):
        return (
            f"cannot reach the document system's API at {where}: {error}. Check that docsystem-web.service "
            "is running on the application machine and that url and host_header name it."
        )
    if admin_login and error.status in REFUSED:
        return (
            f"the document system at {where} refused the administrator login {params['admin_username']!r} "
            f"({error.problem}). Check admin_username and admin_password: the role passes the password of "
            "docsystem_admin_password_file on the controller, which must be the application's (the role's "
            "administrator task sets it; run the whole role, not only its agencies tag)."
        )
    return (
        f"the document system's API at {where} did not answer as expected: {error}. Check the application's "
        "log on the application machine (journalctl -u docsystem-web.service)."
    )


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "url": {"type": "str", "required": True},
            "host_header": {"type": "str"},
            "validate_certs": {"type": "bool", "default": True},
            "admin_username": {"type": "str", "required": True},
            "admin_password": {"type": "str", "required": True, "no_log": True},
            # Only the secrets are no_log: the whole list would mask every slug and name in the
            # changes and in `renamed`, which the role reads back.
            "agencies": {
                "type": "list",
                "elements": "dict",
                "required": True,
                "options": {
                    "org_code": {"type": "str", "required": True},
                    "slug": {"type": "str", "required": True},
                    "name": {"type": "str", "required": True},
                    "password": {"type": "str", "required": True, "no_log": True},
                    "token": {"type": "str", "default": "", "no_log": True},
                },
            },
            "exchange_cabinets": {"type": "list", "elements": "str", "default": []},
            "exchange_metadata_types": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {"name": {"type": "str", "required": True}, "label": {"type": "str", "required": True}},
            },
            "exchange_account": {
                "type": "dict",
                "options": {
                    "username": {"type": "str", "required": True},
                    "password": {"type": "str", "required": True, "no_log": True},
                    "token": {"type": "str", "default": "", "no_log": True},
                },
            },
            "parallel": {"type": "int", "default": 4},
        },
        supports_check_mode=True,
    )
    params: Json = module.params
    agencies: list[Agency] = params["agencies"]
    missing = [
        f"agency {index}: {key}"
        for index, agency in enumerate(agencies, 1)
        for key in ("org_code", "slug", "name", "password")
        if not agency.get(key)
    ]
    if missing:
        module.fail_json(msg=f"agencies without a value the module needs: {', '.join(missing)}")
    exchange = params["exchange_account"]
    if exchange and exchange["username"] in {agency["slug"] for agency in agencies}:
        module.fail_json(msg=f"the exchange account {exchange['username']!r} is also an agency's slug: rename one")
    admin_login = True
    try:
        client = Client(
            params["url"],
            params["host_header"],
            params["validate_certs"],
            params["admin_username"],
            params["admin_password"],
        )
        admin_login = False
        reconciler = Reconciler(
            client, module.check_mode, params["exchange_cabinets"], params["exchange_metadata_types"]
        )
        reconciler.prepare()
        reconciler.root_cabinets(agencies)
        # Agencies are independent of each other: a few at a time keeps the web workers busy.
        with ThreadPoolExecutor(max_workers=params["parallel"]) as pool:
            results = list(pool.map(reconciler.agency, agencies))
        exchange_ids = reconciler.exchange_account(exchange) if exchange else {}
    except ApiError as error:
        module.fail_json(msg=failure(error, params, admin_login))
    except KeyError as error:
        # The API answered, but without a field of Mayan EDMS 4's API this module is written for.
        module.fail_json(
            msg=f"the document system's API at {params['url']} answered without the field {error}: "
            "is it the Mayan EDMS release the role installs?"
        )
    module.exit_json(
        changed=bool(reconciler.changes),
        changes=reconciler.changes,
        agencies={agency["slug"]: result for agency, result in zip(agencies, results, strict=True)},
        tokens=reconciler.tokens,
        renamed=reconciler.renamed,
        exposed=reconciler.exposed,
        exchange_account=exchange_ids,
    )


if __name__ == "__main__":
    main()
