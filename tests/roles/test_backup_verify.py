"""The controller's check of a fetched backup (roles/backup/files/verify_backup.py), with real
`ssh-keygen -Y` signatures made as the sources make them: what a backup machine could do to a
backup — edit it, swap in a dump of its own encrypted to the public recipient, present an older
backup under a newer id, sign with a key of its own — must be refused, naming the source."""

import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

SCRIPT = ROOT / "roles/backup/files/verify_backup.py"
NAMESPACE = "provcloud-backup"
BACKUP_ID = "20261204T013000Z"


def host_key(tmp_path: Path, name: str) -> tuple[Path, str]:
    key = tmp_path / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key, " ".join(key.with_suffix(".pub").read_text().split()[:2])


def seal(directory: Path, key: Path, source: str, ciphertext: bytes, backup_id: str = BACKUP_ID) -> None:
    """What the source's `dump` does: the ciphertext, and the statement of its digest, signed."""
    (directory / f"{source}.age").write_bytes(ciphertext)
    statement = directory / f"{source}.statement"
    digest = hashlib.sha256(ciphertext).hexdigest()
    Path(f"{statement}.sig").unlink(missing_ok=True)  # as the source's dump does: ssh-keygen keeps an old one
    statement.write_text(f"provcloud-backup set=docsystem id={backup_id} source={source} sha256={digest}\n")
    subprocess.run(["ssh-keygen", "-Y", "sign", "-q", "-f", str(key), "-n", NAMESPACE, str(statement)], check=True)


def verify(directory: Path, public_key: str) -> subprocess.CompletedProcess[str]:
    sources = [{"name": "docsystem-database", "hosts": ["docsys-db-01"], "kind": "postgresql"}]
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(directory), "docsystem", BACKUP_ID, NAMESPACE, json.dumps(sources),
         json.dumps({"docsys-db-01": public_key})],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.fixture
def sealed(tmp_path: Path) -> tuple[Path, Path, str]:
    key, public = host_key(tmp_path, "db_host_key")
    backup = tmp_path / "backup"
    backup.mkdir()
    seal(backup, key, "docsystem-database", b"age-encryption.org/v1\n-> X25519 ...\nthe dump")
    return backup, key, public


def test_a_backup_as_the_source_signed_it_passes(sealed: tuple[Path, Path, str]) -> None:
    backup, _, public = sealed
    result = verify(backup, public)
    assert result.returncode == 0, result.stderr
    assert "1 sources signed by their machines and intact" in result.stdout


def test_an_edited_ciphertext_is_refused(sealed: tuple[Path, Path, str]) -> None:
    backup, _, public = sealed
    path = backup / "docsystem-database.age"
    path.write_bytes(path.read_bytes() + b"x")
    result = verify(backup, public)
    assert result.returncode == 1
    assert "docsystem-database: docsystem-database.age has sha256" in result.stderr
    assert "docsys-db-01 signed" in result.stderr


def test_a_swapped_dump_with_a_restated_digest_is_refused(sealed: tuple[Path, Path, str]) -> None:
    """The backup machine encrypts a dump of its own and rewrites the statement to match: the
    signature no longer holds."""
    backup, _, public = sealed
    forged = b"age-encryption.org/v1\nthe backup machine's own dump"
    (backup / "docsystem-database.age").write_bytes(forged)
    statement = backup / "docsystem-database.statement"
    statement.write_text(
        f"provcloud-backup set=docsystem id={BACKUP_ID} source=docsystem-database "
        f"sha256={hashlib.sha256(forged).hexdigest()}\n"
    )
    result = verify(backup, public)
    assert result.returncode == 1
    assert "the statement is not signed by the host key of docsys-db-01" in result.stderr


def test_a_dump_signed_by_another_key_is_refused(tmp_path: Path, sealed: tuple[Path, Path, str]) -> None:
    backup, _, public = sealed
    other, _ = host_key(tmp_path, "backup_machine_key")
    seal(backup, other, "docsystem-database", b"age-encryption.org/v1\nanother dump")
    result = verify(backup, public)
    assert result.returncode == 1
    assert "not signed by the host key of docsys-db-01" in result.stderr


def test_an_older_backup_under_a_newer_id_is_refused(tmp_path: Path, sealed: tuple[Path, Path, str]) -> None:
    backup, key, public = sealed
    seal(backup, key, "docsystem-database", b"age-encryption.org/v1\nlast week", backup_id="20261127T013000Z")
    result = verify(backup, public)
    assert result.returncode == 1
    assert "the statement is for backup '20261127T013000Z', not '20261204T013000Z'" in result.stderr


def test_a_missing_signature_is_refused(sealed: tuple[Path, Path, str]) -> None:
    backup, _, public = sealed
    (backup / "docsystem-database.statement.sig").unlink()
    result = verify(backup, public)
    assert result.returncode == 1
    assert "docsystem-database.statement.sig is missing from the backup" in result.stderr


def test_the_script_is_importable_without_running() -> None:
    spec = importlib.util.spec_from_file_location("verify_backup", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.STATEMENT.fullmatch(f"provcloud-backup set=s id={BACKUP_ID} source=x sha256={'0' * 64}\n")
