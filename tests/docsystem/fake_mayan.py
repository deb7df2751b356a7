"""A small in-process stand-in for the part of Mayan EDMS 4's REST API the agencies module uses.

It keeps objects in memory, checks tokens and passwords, pages its lists two at a time with `next`
links naming another host (as Mayan behind a proxy does), and records every request, so a test
can see what a run changed and what it only read. `fail_with` makes every request after the
administrator's login answer that HTTP status.

For the document axis's exchange it also holds documents: multipart upload, files and their
download, a cabinet's documents, a document's metadata values and comments.

Cabinets are trees as in Mayan (django-mptt): a new root takes max(tree_id) + 1 and, as there, other
requests may run between that read and the insert, so cabinets created at once can share a tree.
An account other than the administrator lists the cabinets of the trees whose root grants one of
its roles `cabinets.cabinet_view`, as Mayan's ACL filter does (cabinets/apps.py, get_root_filter),
or every cabinet when one of its roles holds that permission globally.
"""

import email.parser
import email.policy
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from conftest import serve_on_loopback

Json = dict[str, Any]
API = "/api/v4/"
PAGE_SIZE = 2
"""The fake caps every page at this size, whatever the client asks, so paging is exercised."""
ADMIN = "quantri"
ADMIN_PASSWORD = "mat-khau-quan-tri"


@dataclass
class FakeMayan:
    collections: dict[str, dict[int, Json]] = field(
        default_factory=lambda: {
            name: {} for name in ("groups", "roles", "users", "cabinets", "document_types", "metadata_types")
        }
    )
    passwords: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)
    """Token -> user id."""
    members: dict[str, set[int]] = field(default_factory=dict)
    """`roles/<id>/groups` or `groups/<id>/users` -> member ids."""
    attached: dict[int, list[Json]] = field(default_factory=dict)
    """Document type id -> its metadata type links."""
    role_permissions: dict[int, set[str]] = field(default_factory=dict)
    """Role id -> the permissions it holds globally (on every object)."""
    acls: dict[str, list[Json]] = field(default_factory=dict)
    """`<app>/<model>/<id>` -> its access control lists (each with a set of permissions)."""
    requests: list[tuple[str, str]] = field(default_factory=list)
    fail_with: int | None = None
    documents: dict[int, Json] = field(default_factory=dict)
    files: dict[int, list[Json]] = field(default_factory=dict)
    """Document id -> its files (id, filename, content bytes)."""
    cabinet_documents: dict[int, list[int]] = field(default_factory=dict)
    document_metadata: dict[int, list[Json]] = field(default_factory=dict)
    comments: dict[int, list[str]] = field(default_factory=dict)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Held while a request is handled: requests run one at a time, except where `pause` lets others in."""

    def __post_init__(self) -> None:
        self.add("users", {"username": ADMIN, "first_name": "", "last_name": "", "email": ""}, ADMIN_PASSWORD)

    def add(self, collection: str, item: Json, password: str | None = None) -> Json:
        item = {**item, "id": next(self.ids)}
        if collection == "cabinets":
            item["parent_id"] = item.pop("parent", None)
            parent = self.collections["cabinets"].get(item["parent_id"])
            if parent is None:
                item.setdefault("tree_id", self.next_tree_id())
                item["full_path"] = item["label"]
            else:
                item["tree_id"] = parent["tree_id"]
                item["full_path"] = f"{parent['full_path']} / {item['label']}"
        item.pop("password", None)
        self.collections[collection][item["id"]] = item
        if password is not None:
            self.passwords[item["username"]] = password
        return item

    def next_tree_id(self) -> int:
        return max((cabinet["tree_id"] for cabinet in self.collections["cabinets"].values()), default=0) + 1

    def pause(self) -> None:
        """Let other requests run for a moment, as a web worker between a read and its write."""
        self.lock.release()
        try:
            time.sleep(0.05)
        finally:
            self.lock.acquire()

    def roles_of(self, token: str) -> set[int]:
        user_id = self.tokens[token]
        groups = {
            int(owner.split("/")[1])
            for owner, ids in self.members.items()
            if owner.startswith("groups/") and user_id in ids
        }
        return {
            int(owner.split("/")[1])
            for owner, ids in self.members.items()
            if owner.startswith("roles/") and ids & groups
        }

    def visible_cabinets(self, token: str) -> list[Json]:
        cabinets = list(self.collections["cabinets"].values())
        roles = self.roles_of(token)
        if self.token_user(token) == ADMIN or any(
            "cabinets.cabinet_view" in self.role_permissions.get(role, set()) for role in roles
        ):
            return cabinets
        trees = {
            cabinet["tree_id"]
            for cabinet in cabinets
            if cabinet["parent_id"] is None
            and any(
                acl["role"]["id"] in roles and "cabinets.cabinet_view" in acl["permissions"]
                for acl in self.acls.get(f"cabinets/cabinet/{cabinet['id']}", [])
            )
        }
        return [cabinet for cabinet in cabinets if cabinet["tree_id"] in trees]

    def writes(self) -> list[tuple[str, str]]:
        """Requests that change something (the logins excepted)."""
        return [(method, path) for method, path in self.requests if method != "GET" and path != "auth/token/obtain/"]

    def named(self, collection: str, label_field: str = "label") -> dict[str, Json]:
        return {item[label_field]: item for item in self.collections[collection].values()}

    def user(self, username: str) -> Json:
        return next(user for user in self.collections["users"].values() if user["username"] == username)

    def token_user(self, token: str) -> str | None:
        user_id = self.tokens.get(token)
        return None if user_id is None else str(self.collections["users"][user_id]["username"])

    # The API: each handler returns (status, JSON body).

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Json, token: str | None) -> Any:
        self.requests.append((method, path))
        if path == "auth/token/obtain/" and method == "POST":
            return self.login(body)
        if token not in self.tokens:
            return 401, {"detail": "Invalid token."}
        if self.fail_with is not None:
            return self.fail_with, {"detail": "Server Error"}
        for pattern, methods in self.routes():
            match = re.fullmatch(pattern, path)
            if match and method in methods:
                return methods[method](*match.groups(), body=body, query=query, token=token)
        return 404, {"detail": "Not found."}

    def routes(self) -> list[tuple[str, dict[str, Callable[..., Any]]]]:
        collections = "|".join(self.collections)
        return [
            (r"users/current/", {"GET": lambda token, **_: (200, self.user(self.token_user(token) or ""))}),
            (r"documents/upload/", {"POST": self.upload}),
            (r"documents/(\d+)/files/", {"GET": self.list_files}),
            (r"documents/(\d+)/files/(\d+)/download/", {"GET": self.download}),
            (r"documents/(\d+)/metadata/", {"GET": self.list_metadata, "POST": self.add_metadata}),
            (r"documents/(\d+)/metadata/(\d+)/", {"PATCH": self.edit_metadata}),
            (r"documents/(\d+)/comments/", {"POST": self.comment}),
            (r"cabinets/(\d+)/documents/", {"GET": self.list_cabinet_documents}),
            (r"cabinets/(\d+)/documents/add/", {"POST": self.add_to_cabinet}),
            (rf"({collections})/", {"GET": self.list_collection, "POST": self.create}),
            (rf"({collections})/(\d+)/", {"PATCH": self.update}),
            (r"((?:roles/\d+/groups)|(?:groups/\d+/users))/", {"GET": self.list_members}),
            (r"((?:roles/\d+/groups)|(?:groups/\d+/users))/add/", {"POST": self.add_member}),
            (r"document_types/(\d+)/metadata_types/", {"GET": self.list_attached, "POST": self.attach}),
            (r"roles/(\d+)/permissions/", {"GET": self.list_role_permissions}),
            (r"roles/(\d+)/permissions/add/", {"POST": self.grant_role}),
            (r"objects/(\w+/\w+/\d+)/acls/", {"GET": self.list_acls, "POST": self.create_acl}),
            (r"objects/(\w+/\w+/\d+)/acls/(\d+)/permissions/", {"GET": self.list_permissions}),
            (r"objects/(\w+/\w+/\d+)/acls/(\d+)/permissions/add/", {"POST": self.grant}),
        ]

    def login(self, body: Json) -> Any:
        username = body.get("username")
        if username not in self.passwords or self.passwords[username] != body.get("password"):
            return 400, {"non_field_errors": ["Unable to log in with provided credentials."]}
        user_id = self.user(username)["id"]
        token = next((token for token, owner in self.tokens.items() if owner == user_id), None)
        if token is None:
            token = secrets.token_hex(20)
            self.tokens[token] = user_id
        return 200, {"token": token}

    def page(self, items: list[Json], path: str, query: dict[str, list[str]]) -> Any:
        number = int(query.get("page", ["1"])[0])
        chunk = items[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        more = number * PAGE_SIZE < len(items)
        following = f"http://docsystem.behind-a-proxy{API}{path}?page={number + 1}&page_size={PAGE_SIZE}"
        return 200, {"count": len(items), "next": following if more else None, "results": chunk}

    def list_collection(self, collection: str, query: dict[str, list[str]], token: str, **_: Any) -> Any:
        if collection == "cabinets":
            return self.page(self.visible_cabinets(token), "cabinets/", query)
        return self.page(list(self.collections[collection].values()), f"{collection}/", query)

    def create(self, collection: str, body: Json, **_: Any) -> Any:
        if collection == "cabinets" and body.get("parent") is None:
            tree_id = self.next_tree_id()
            self.pause()  # django-mptt reads max(tree_id), then inserts, with no lock between
            body = {**body, "tree_id": tree_id}
        return 201, self.add(collection, body, body.get("password") if collection == "users" else None)

    def update(self, collection: str, item_id: str, body: Json, **_: Any) -> Any:
        item = self.collections[collection][int(item_id)]
        if collection == "users" and "password" in body:
            self.passwords[item["username"]] = body["password"]
        if collection == "users" and "username" in body:
            self.passwords[body["username"]] = self.passwords.pop(item["username"])
        item.update({key: value for key, value in body.items() if key != "password"})
        return 200, item

    def list_members(self, owner: str, query: dict[str, list[str]], **_: Any) -> Any:
        kind = "groups" if owner.startswith("roles/") else "users"
        members = [self.collections[kind][member] for member in sorted(self.members.get(owner, set()))]
        return self.page(members, f"{owner}/", query)

    def add_member(self, owner: str, body: Json, **_: Any) -> Any:
        self.members.setdefault(owner, set()).add(body["group" if owner.startswith("roles/") else "user"])
        return 200, None

    def list_attached(self, document_type: str, query: dict[str, list[str]], **_: Any) -> Any:
        return self.page(
            self.attached.get(int(document_type), []), f"document_types/{document_type}/metadata_types/", query
        )

    def attach(self, document_type: str, body: Json, **_: Any) -> Any:
        metadata_type = self.collections["metadata_types"][body["metadata_type_id"]]
        link = {"id": next(self.ids), "metadata_type": metadata_type, "required": body["required"]}
        self.attached.setdefault(int(document_type), []).append(link)
        return 201, link

    def list_role_permissions(self, role: str, query: dict[str, list[str]], **_: Any) -> Any:
        granted = [{"pk": pk} for pk in sorted(self.role_permissions.get(int(role), set()))]
        return self.page(granted, f"roles/{role}/permissions/", query)

    def grant_role(self, role: str, body: Json, **_: Any) -> Any:
        if int(role) not in self.collections["roles"]:
            return 404, {"detail": "Not found."}
        self.role_permissions.setdefault(int(role), set()).add(body["permission"])
        return 200, None

    def list_acls(self, target: str, query: dict[str, list[str]], **_: Any) -> Any:
        visible = [{"id": acl["id"], "role": acl["role"]} for acl in self.acls.get(target, [])]
        return self.page(visible, f"objects/{target}/acls/", query)

    def create_acl(self, target: str, body: Json, **_: Any) -> Any:
        acl = {"id": next(self.ids), "role": self.collections["roles"][body["role_id"]], "permissions": set()}
        self.acls.setdefault(target, []).append(acl)
        return 201, {"id": acl["id"], "role": acl["role"]}

    def acl(self, target: str, acl_id: str) -> Json:
        return next(acl for acl in self.acls[target] if acl["id"] == int(acl_id))

    def list_permissions(self, target: str, acl_id: str, query: dict[str, list[str]], **_: Any) -> Any:
        granted = [{"pk": permission} for permission in sorted(self.acl(target, acl_id)["permissions"])]
        return self.page(granted, f"objects/{target}/acls/{acl_id}/permissions/", query)

    def grant(self, target: str, acl_id: str, body: Json, **_: Any) -> Any:
        self.acl(target, acl_id)["permissions"].add(body["permission"])
        return 200, None

    # Documents (the exchange's adapter).

    def upload(self, body: Json, **_: Any) -> Any:
        document_type = int(body["document_type_id"])
        if document_type not in self.collections["document_types"]:
            return 400, {"document_type_id": ["Invalid pk."]}
        filename, content = body["file"]
        document = {"id": next(self.ids), "label": filename, "document_type_id": document_type}
        self.documents[document["id"]] = document
        self.files[document["id"]] = [{"id": next(self.ids), "filename": filename, "content": content}]
        return 201, document

    def list_files(self, document: str, query: dict[str, list[str]], **_: Any) -> Any:
        visible = [
            {"id": f["id"], "filename": f["filename"], "size": len(f["content"])} for f in self.files[int(document)]
        ]
        return self.page(visible, f"documents/{document}/files/", query)

    def download(self, document: str, file_id: str, **_: Any) -> Any:
        return 200, next(f["content"] for f in self.files[int(document)] if f["id"] == int(file_id))

    def list_metadata(self, document: str, query: dict[str, list[str]], **_: Any) -> Any:
        return self.page(self.document_metadata.get(int(document), []), f"documents/{document}/metadata/", query)

    def add_metadata(self, document: str, body: Json, **_: Any) -> Any:
        metadata_type = self.collections["metadata_types"][body["metadata_type_id"]]
        document_type = self.documents[int(document)]["document_type_id"]
        if metadata_type["id"] not in {link["metadata_type"]["id"] for link in self.attached.get(document_type, [])}:
            return 400, {"metadata_type_id": ["Metadata type is not valid for this document type."]}
        value = {"id": next(self.ids), "metadata_type": metadata_type, "value": body["value"]}
        self.document_metadata.setdefault(int(document), []).append(value)
        return 201, value

    def edit_metadata(self, document: str, value_id: str, body: Json, **_: Any) -> Any:
        value = next(v for v in self.document_metadata[int(document)] if v["id"] == int(value_id))
        value["value"] = body["value"]
        return 200, value

    def comment(self, document: str, body: Json, **_: Any) -> Any:
        self.comments.setdefault(int(document), []).append(body["text"])
        return 201, {"id": next(self.ids), "text": body["text"]}

    def list_cabinet_documents(self, cabinet: str, query: dict[str, list[str]], token: str, **_: Any) -> Any:
        if int(cabinet) not in {visible["id"] for visible in self.visible_cabinets(token)}:
            return 404, {"detail": "Not found."}
        documents = [self.documents[d] for d in self.cabinet_documents.get(int(cabinet), [])]
        return self.page(documents, f"cabinets/{cabinet}/documents/", query)

    def add_to_cabinet(self, cabinet: str, body: Json, **_: Any) -> Any:
        self.cabinet_documents.setdefault(int(cabinet), []).append(int(body["document"]))
        return 200, None


def _multipart(content_type: str, data: bytes) -> Json:
    """A multipart/form-data body as fields; a file field as (filename, bytes)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + data
    )
    fields: Json = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        filename = part.get_filename()
        fields[str(name)] = (filename, payload) if filename else payload.decode()
    return fields


@contextmanager
def serving(api: FakeMayan) -> Iterator[str]:
    """`api` answering on 127.0.0.1 (a free port) in a thread; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            content_type = self.headers.get("Content-Type", "")
            if content_type.startswith("multipart/form-data"):
                body = _multipart(content_type, raw)
            else:
                body = json.loads(raw) if raw else {}
            authorization = self.headers.get("Authorization", "")
            token = authorization.removeprefix("Token ") if authorization.startswith("Token ") else None
            if not parts.path.startswith(API):
                status, payload = 404, {"detail": "Not found."}
            else:
                path = parts.path[len(API) :]
                with api.lock:  # the module sends several agencies' requests at once
                    status, payload = api.handle(self.command, path, parse_qs(parts.query), body, token)
            binary = isinstance(payload, bytes)
            if isinstance(payload, bytes):
                data = payload
            else:
                data = json.dumps(payload).encode() if payload is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream" if binary else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serve_on_loopback(Handler) as url:
        yield url
