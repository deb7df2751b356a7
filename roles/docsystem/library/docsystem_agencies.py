#!/usr/bin/python
"""Ansible module: every agency present in the document system, through its REST API."""

import json
from concurrent.futures import ThreadPoolExecutor
import urllib.error
import urllib.parse
import urllib.request

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: docsystem_agencies
short_description: Make every agency present in the document system (Mayan EDMS REST API v4)
description:
  - For each agency, makes sure the document system holds a group, a role bound to the group, a
    cabinet (the agency's folder), a document type, a metadata type recording the agency's
    identifier code (default value) and Vietnamese name (label) attached to the document type,
    access rights of the role on the cabinet and the document type only, and an API account
    in the group with a token.
  - Objects are found by the agency's identifier code, so renaming an agency in the catalogue
    renames its objects instead of creating new ones. Agencies absent from the list are left alone.
  - Idempotent; supports check mode (then reports what it would create, without tokens).
  - The administrator's password is checked once, for a session token: Basic authentication would
    hash it again on every request (PBKDF2, a good part of a second of CPU each).
  - An agency's token already known to the caller (C(token)) is kept while it still authenticates
    that agency's account; otherwise a token is obtained with the account's password.
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
    description: >-
      The agencies, each with C(slug), C(name), C(org_code), C(password) (of its API account) and
      optionally C(token), the token the caller holds for it.
    type: list
    elements: dict
    required: true
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
changes:
  description: What was created or changed, one line each.
  returned: always
  type: list
"""

API = "/api/v4/"
PAGE_SIZE = 100
CABINET_PERMISSIONS = ["cabinets.cabinet_view", "cabinets.cabinet_add_document", "cabinets.cabinet_remove_document"]
DOCUMENT_TYPE_PERMISSIONS = [
    "documents_types.document_type_view",
    "documents.document_create",
    "documents.document_view",
    "documents.document_properties_edit",
    "documents.document_file_view",
    "documents.document_file_new",
    "documents.document_version_view",
    "documents.document_trash",
    "document_downloads.document_file_download",
    "cabinets.cabinet_view",
    "cabinets.cabinet_add_document",
    "cabinets.cabinet_remove_document",
    "metadata.metadata_document_view",
    "metadata.metadata_document_add",
    "metadata.metadata_document_edit",
]


class ApiError(Exception):
    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class Client:
    def __init__(self, url, host_header, validate_certs, username, password):
        self.base = url.rstrip("/") + API
        self.headers = {"Accept": "application/json"}
        if host_header:
            self.headers["Host"] = host_header
        self.context = None
        if not validate_certs:
            import ssl

            self.context = ssl._create_unverified_context()
        token = self.call("POST", "auth/token/obtain/", {"username": username, "password": password}, auth=False)
        self.headers["Authorization"] = f"Token {token['token']}"

    def authenticates(self, token, username):
        """Whether `token` still logs in as `username` (no password hashing on the server)."""
        try:
            return self.call("GET", "users/current/", token=token).get("username") == username
        except ApiError as error:
            if error.status in (401, 403):
                return False
            raise

    def call(self, method, path, body=None, auth=True, token=None):
        """`auth=False`: anonymous; `token`: as that token's account instead of the administrator."""
        url = path if path.startswith("http") else self.base + path
        headers = dict(self.headers)
        if not auth:
            headers.pop("Authorization", None)
        elif token is not None:
            headers["Authorization"] = f"Token {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=60) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:
            raise ApiError(f"{method} {url}: HTTP {error.code}: {error.read()[:500]!r}", error.code) from error
        except urllib.error.URLError as error:
            raise ApiError(f"{method} {url}: {error.reason}") from error
        return json.loads(payload) if payload else None

    def all(self, path):
        separator = "&" if "?" in path else "?"
        page = self.call("GET", f"{path}{separator}page_size={PAGE_SIZE}")
        results = list(page["results"])
        while page.get("next"):
            page = self.call("GET", self._relative(page["next"]))
            results.extend(page["results"])
        return results

    def _relative(self, url):
        """`next` links carry the server's own idea of its address; keep ours."""
        parsed = urllib.parse.urlsplit(url)
        path = parsed.path[parsed.path.index(API) + len(API) :]
        return f"{path}?{parsed.query}" if parsed.query else path


class Reconciler:
    def __init__(self, client, check_mode):
        self.client = client
        self.check_mode = check_mode
        self.changes = []
        self.tokens = {}
        self.groups = {item["name"]: item for item in client.all("groups/")}
        self.roles = {item["label"]: item for item in client.all("roles/")}
        self.users = {item["username"]: item for item in client.all("users/")}
        self.cabinets = [item for item in client.all("cabinets/") if item.get("parent_id") in (None, "")]
        self.document_types = client.all("document_types/")
        self.metadata_types = {item["name"]: item for item in client.all("metadata_types/")}

    def change(self, description, method, path, body=None):
        self.changes.append(description)
        if self.check_mode:
            return None
        return self.client.call(method, path, body)

    def by_code(self, items, code):
        prefix = f"{code} "
        return next((item for item in items if item["label"] == code or item["label"].startswith(prefix)), None)

    def labelled(self, kind, items, path, code, label, extra=None):
        """The object of `kind` whose label starts with the agency code; created or relabelled."""
        found = self.by_code(items, code)
        if found is None:
            created = self.change(f"create {kind} {label!r}", "POST", path, {"label": label, **(extra or {})})
            if created is not None:
                items.append(created)
            return created
        if found["label"] != label:
            self.change(f"rename {kind} {found['label']!r} to {label!r}", "PATCH", f"{path}{found['id']}/", {"label": label})
        return found

    def agency(self, agency):
        slug, code, name = agency["slug"], agency["org_code"], agency["name"]
        label = f"{code} — {name}"
        result = {}
        group = self.groups.get(slug) or self.change(f"create group {slug}", "POST", "groups/", {"name": slug})
        role = self.roles.get(slug) or self.change(f"create role {slug}", "POST", "roles/", {"label": slug})
        cabinet = self.labelled("cabinet", self.cabinets, "cabinets/", code, label, {"parent": None})
        document_type = self.labelled("document type", self.document_types, "document_types/", code, label)
        metadata_type = self.metadata_type(code, name)
        user = self.users.get(slug) or self.change(
            f"create API account {slug}",
            "POST",
            "users/",
            {"username": slug, "password": agency["password"], "first_name": name[:150], "last_name": "", "email": ""},
        )
        if None in (group, role, cabinet, document_type, metadata_type, user):
            return result  # check mode: what is missing is reported; its children cannot be inspected
        result.update(
            group_id=group["id"],
            role_id=role["id"],
            cabinet_id=cabinet["id"],
            document_type_id=document_type["id"],
            metadata_type_id=metadata_type["id"],
            user_id=user["id"],
        )
        self.member("role", f"roles/{role['id']}/groups/", f"roles/{role['id']}/groups/add/", {"group": group["id"]}, group["id"])
        self.member("group", f"groups/{group['id']}/users/", f"groups/{group['id']}/users/add/", {"user": user["id"]}, user["id"])
        self.attach_metadata_type(document_type, metadata_type)
        self.acl("cabinets", "cabinet", cabinet["id"], role, CABINET_PERMISSIONS)
        self.acl("documents", "documenttype", document_type["id"], role, DOCUMENT_TYPE_PERMISSIONS)
        if not self.check_mode and not (agency.get("token") and self.client.authenticates(agency["token"], slug)):
            token = self.client.call(
                "POST", "auth/token/obtain/", {"username": slug, "password": agency["password"]}, auth=False
            )
            self.tokens[slug] = token["token"]
        return result

    def metadata_type(self, code, name):
        identifier = "agency_" + "".join(character if character.isalnum() else "_" for character in code)
        wanted = {"label": name[:48], "default": code}
        found = self.metadata_types.get(identifier)
        if found is None:
            return self.change(f"create metadata type {identifier}", "POST", "metadata_types/", {"name": identifier, **wanted})
        if any(found.get(key) != value for key, value in wanted.items()):
            self.change(f"update metadata type {identifier}", "PATCH", f"metadata_types/{found['id']}/", wanted)
        return found

    def member(self, kind, list_path, add_path, body, member_id):
        if member_id not in {item["id"] for item in self.client.all(list_path)}:
            self.change(f"add member {member_id} to {kind} {list_path}", "POST", add_path, body)

    def attach_metadata_type(self, document_type, metadata_type):
        path = f"document_types/{document_type['id']}/metadata_types/"
        attached = {item["metadata_type"]["id"] for item in self.client.all(path)}
        if metadata_type["id"] not in attached:
            self.change(
                f"attach metadata type {metadata_type['name']} to document type {document_type['id']}",
                "POST",
                path,
                {"metadata_type_id": metadata_type["id"], "required": False},
            )

    def acl(self, app_label, model, object_id, role, permissions):
        base = f"objects/{app_label}/{model}/{object_id}/acls/"
        acl = next((item for item in self.client.all(base) if item["role"]["id"] == role["id"]), None)
        if acl is None:
            acl = self.change(f"grant role {role['label']} on {model} {object_id}", "POST", base, {"role_id": role["id"]})
            if acl is None:
                return
        granted = {item["pk"] for item in self.client.all(f"{base}{acl['id']}/permissions/")}
        for permission in permissions:
            if permission not in granted:
                self.change(
                    f"grant {permission} to role {role['label']} on {model} {object_id}",
                    "POST",
                    f"{base}{acl['id']}/permissions/add/",
                    {"permission": permission},
                )


def main():
    module = AnsibleModule(
        argument_spec={
            "url": {"type": "str", "required": True},
            "host_header": {"type": "str"},
            "validate_certs": {"type": "bool", "default": True},
            "admin_username": {"type": "str", "required": True},
            "admin_password": {"type": "str", "required": True, "no_log": True},
            "agencies": {"type": "list", "elements": "dict", "required": True, "no_log": True},
            "parallel": {"type": "int", "default": 4},
        },
        supports_check_mode=True,
    )
    params = module.params
    client = Client(
        params["url"], params["host_header"], params["validate_certs"], params["admin_username"], params["admin_password"]
    )
    try:
        reconciler = Reconciler(client, module.check_mode)
        # Agencies are independent of each other: a few at a time keeps the web workers busy.
        with ThreadPoolExecutor(max_workers=params["parallel"]) as pool:
            results = list(pool.map(reconciler.agency, params["agencies"]))
        agencies = {agency["slug"]: result for agency, result in zip(params["agencies"], results)}
    except ApiError as error:
        module.fail_json(msg=f"the document system's API refused a request: {error}")
    module.exit_json(
        changed=bool(reconciler.changes), changes=reconciler.changes, agencies=agencies, tokens=reconciler.tokens
    )


if __name__ == "__main__":
    main()
