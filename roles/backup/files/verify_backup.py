"""Check a fetched backup on the controller before anything of it is decrypted or restored.

Each source signed, with its SSH host key, a statement of what it sent: the set, the backup id, the
source and the SHA-256 of the ciphertext. This script checks, for every source of the backup:
the signature against the host key the controller knows for that machine (not one the backup
carries), that the statement names this set, this backup and this source, and that the fetched
ciphertext has the stated digest. A backup machine that swapped, edited, replayed or renamed a
backup fails here, since anyone can encrypt to the (public) recipient but only the source can sign.

Usage: verify_backup.py DIR SET ID NAMESPACE SOURCES_JSON HOST_KEYS_JSON
  SOURCES_JSON: the role's backup_sources ([{"name": ..., "hosts": [...], ...}])
  HOST_KEYS_JSON: {host: "ssh-ed25519 AAAA..."}, read by Ansible from each source machine
Exit 0 when every source checks; otherwise 1 with one line per problem on stderr.
"""

import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

STATEMENT = re.compile(r"provcloud-backup set=(\S+) id=(\S+) source=(\S+) sha256=([0-9a-f]{64})\n")


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def signature_problem(statement: Path, host: str, host_key: str, namespace: str) -> str | None:
    """None when `statement.sig` is the host's signature of the statement, else ssh-keygen's reason."""
    with tempfile.NamedTemporaryFile("w", suffix=".allowed_signers") as signers:
        signers.write(f'{host} namespaces="{namespace}" {host_key}\n')
        signers.flush()
        checked = subprocess.run(
            ["ssh-keygen", "-Y", "verify", "-f", signers.name, "-I", host, "-n", namespace,
             "-s", f"{statement}.sig"],
            stdin=statement.open("rb"), capture_output=True, text=True, check=False,
        )  # fmt: skip
    if checked.returncode == 0:
        return None
    reason = (checked.stderr or checked.stdout).strip()
    return reason.splitlines()[-1] if reason else "refused"


def source_problems(
    directory: Path, backup_set: str, backup_id: str, namespace: str, source: dict[str, Any], host_keys: dict[str, str]
) -> list[str]:
    """What is wrong with one source's files. The statement must be signed by one of the machines
    holding the source (a replicated database's primary at the time of the backup)."""
    name, hosts = source["name"], list(source["hosts"])
    statement, ciphertext = directory / f"{name}.statement", directory / f"{name}.age"
    for path in (ciphertext, statement, Path(f"{statement}.sig")):
        if not path.is_file():
            return [f"{name}: {path.name} is missing from the backup"]
    refusals = {host: signature_problem(statement, host, host_keys[host], namespace) for host in hosts}
    signers = [host for host, refusal in refusals.items() if refusal is None]
    if not signers:
        reasons = "; ".join(f"{host}: {refusal}" for host, refusal in refusals.items())
        return [f"{name}: the statement is not signed by the host key of {' or '.join(hosts)} ({reasons})"]
    host = signers[0]
    fields = STATEMENT.fullmatch(statement.read_text(encoding="utf-8", errors="replace"))
    if fields is None:
        return [f"{name}: the signed statement is not a provcloud backup statement"]
    stated_set, stated_id, stated_source, stated_digest = fields.groups()
    problems = [
        f"{name}: the statement is for {label} {stated!r}, not {wanted!r}"
        for label, stated, wanted in (
            ("set", stated_set, backup_set),
            ("backup", stated_id, backup_id),
            ("source", stated_source, name),
        )
        if stated != wanted
    ]
    actual = digest(ciphertext)
    if actual != stated_digest:
        problems.append(f"{name}: {ciphertext.name} has sha256 {actual}; {host} signed {stated_digest}")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    directory, (backup_set, backup_id, namespace, sources_json, host_keys_json) = Path(argv[1]), argv[2:]
    sources: list[dict[str, Any]] = json.loads(sources_json)
    host_keys: dict[str, str] = json.loads(host_keys_json)
    problems = [
        problem
        for source in sources
        for problem in source_problems(directory, backup_set, backup_id, namespace, source, host_keys)
    ]
    for problem in problems:
        print(f"backup {backup_id}: {problem}", file=sys.stderr)
    if not problems:
        print(f"backup {backup_id}: {len(sources)} sources signed by their machines and intact")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
