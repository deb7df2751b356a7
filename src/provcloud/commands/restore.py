"""`provcloud restore PROVINCE`: put a backup of the document system back (playbooks/restore.yml)."""

import re
import sys
from typing import Annotated

import typer

from provcloud.commands.configure import run_playbook
from provcloud.errors import UserError

BACKUP_ID = re.compile(r"\d{8}T\d{6}Z")
"""How the backup role names a backup: its UTC start time, e.g. 20261123T013000Z."""


def restore(
    province: Annotated[str, typer.Argument(help="A province slug of provinces/, or a catalogue file.")],
    backup: Annotated[
        str | None,
        typer.Option(
            "--backup",
            help="The backup to restore, e.g. 20261123T013000Z (`provcloud-backup-status` on the backup "
            "machine names the newest). Default: the newest.",
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before replacing the current data.")] = False,
) -> None:
    """Restore the document system's database and documents from a backup.

    The application is stopped, its database and documents are replaced by the backup's, and it is
    started and checked again. Everything stored since that backup is lost.
    """
    if backup is not None and not BACKUP_ID.fullmatch(backup):
        raise UserError(f"--backup {backup!r}: a backup is named by its UTC start time, like 20261123T013000Z")
    chosen = backup or "the newest backup"
    if not yes:
        if not sys.stdin.isatty():
            raise UserError("restore replaces the document system's current data: confirm with --yes")
        typer.confirm(
            f"Replace {province}'s document system data with {chosen}? Everything stored since is lost",
            abort=True,
        )
    run_playbook(
        province,
        playbook="playbooks/restore.yml",
        extra_vars={"backup_restore_id": backup} if backup else None,
        action="restore",
        done=f"restored from {chosen}",
    )
