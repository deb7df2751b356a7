"""Run inside a lab machine (standard library only): log in to PostgreSQL over TLS with SCRAM-SHA-256.
Prints `ok`, `refused: <server message>`, `timeout` or `closed`. Arguments: address user database password ca."""

import base64
import hashlib
import hmac
import os
import socket
import ssl
import struct
import sys

address, user, database, password, ca = sys.argv[1:6]


def message(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("!I", len(payload) + 4) + payload


def receive(stream: ssl.SSLSocket) -> tuple[bytes, bytes]:
    header = b""
    while len(header) < 5:
        chunk = stream.recv(5 - len(header))
        if not chunk:
            raise ConnectionError("closed")
        header += chunk
    kind, length = header[:1], struct.unpack("!I", header[1:])[0]
    body = b""
    while len(body) < length - 4:
        body += stream.recv(length - 4 - len(body))
    return kind, body


def error_text(body: bytes) -> str:
    fields = dict((part[:1], part[1:].decode()) for part in body.split(b"\0") if part)
    return fields.get(b"M", "?")


try:
    raw = socket.create_connection((address, 5432), timeout=5)
except TimeoutError:
    print("timeout")
    sys.exit()
except ConnectionRefusedError:
    print("closed")
    sys.exit()
raw.sendall(struct.pack("!II", 8, 80877103))
if raw.recv(1) != b"S":
    print("refused: no TLS")
    sys.exit()
stream = ssl.create_default_context(cafile=ca).wrap_socket(raw, server_hostname=address)
startup = struct.pack("!I", 196608) + b"user\0" + user.encode() + b"\0database\0" + database.encode() + b"\0\0"
stream.sendall(struct.pack("!I", len(startup) + 4) + startup)
kind, body = receive(stream)
if kind == b"E":
    print("refused: " + error_text(body))
    sys.exit()
nonce = base64.b64encode(os.urandom(18)).decode()
first_bare = "n=,r=" + nonce
initial = b"SCRAM-SHA-256\0" + struct.pack("!I", len(first_bare) + 3) + b"n,," + first_bare.encode()
stream.sendall(message(b"p", initial))
kind, body = receive(stream)
if kind == b"E":
    print("refused: " + error_text(body))
    sys.exit()
server_first = body[4:].decode()
parts = dict(item.split("=", 1) for item in server_first.split(","))
salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(parts["s"]), int(parts["i"]))
client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
final_bare = "c=biws,r=" + parts["r"]
auth = ",".join([first_bare, server_first, final_bare]).encode()
signature = hmac.new(hashlib.sha256(client_key).digest(), auth, hashlib.sha256).digest()
proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature, strict=True))).decode()
stream.sendall(message(b"p", (final_bare + ",p=" + proof).encode()))
while True:
    kind, body = receive(stream)
    if kind == b"E":
        print("refused: " + error_text(body))
        break
    if kind == b"Z":
        print("ok")
        break
