#!/usr/bin/python
"""Ansible module: a role's configuration files and their folders, in one run on the machine.

Why it exists: an idempotent converge of a province is mostly Ansible's fixed cost per task and
host (a worker fork, the module shipped over SSH, a Python start on the machine that compiles
ansible.module_utils again), and `template` pays it twice per file (a `stat`, then `file` for
owner and mode). A role with a dozen files pays it two dozen times on every machine; this module
pays it once. Copied to the target and run there: it imports only the standard library and
ansible.module_utils. Under the project's ruff and mypy gates; tests/roles/test_config_files.py
runs it as Ansible does.
"""

import grp
import hashlib
import os
import pwd
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
---
module: config_files
short_description: Make a role's configuration files and folders exactly as given, in one module run
description:
  - Folders first (created with the given owner, group and mode; existing ones corrected), then each
    file whose content, owner, group or mode differs is written atomically (a temporary file in the
    same folder, checked with I(validate) when given, then renamed over the old one).
  - A file with I(applied_record) is also reported C(stale) when that record (C(sha256sum) output
    written by the role's handler after the service last loaded the file) does not hold the
    checksum of the wanted content, so a converge killed between a change and its handler is
    finished by the next one.
  - Idempotent; supports check mode (reports what it would change) and diff mode.
options:
  directories:
    description: Folders to make present, before the files.
    type: list
    elements: dict
    default: []
    suboptions:
      path: {description: Absolute path., type: str, required: true}
      owner: {description: Owner., type: str, default: root}
      group: {description: Group., type: str, default: root}
      mode: {description: Octal mode as a string, e.g. C("0755")., type: str, required: true}
  files:
    description: Files to make exactly as given.
    type: list
    elements: dict
    default: []
    suboptions:
      dest: {description: Absolute path., type: str, required: true}
      content: {description: The whole content (rendered on the controller)., type: str, required: true}
      owner: {description: Owner., type: str, default: root}
      group: {description: Group., type: str, default: root}
      mode: {description: Octal mode as a string., type: str, required: true}
      validate:
        description: Command that checks the new content before it goes live; C(%s) is the temporary file.
        type: str
      applied_record:
        description: Path of the record of the content the service last loaded (see above).
        type: str
"""

RETURN = r"""
changed_files:
  description: Files written (or that would be, in check mode), in the order given.
  type: list
  elements: str
  returned: always
stale_files:
  description: Files whose I(applied_record) does not match the wanted content.
  type: list
  elements: str
  returned: always
"""

DIRECTORY_OPTIONS: dict[str, Any] = {
    "path": {"type": "str", "required": True},
    "owner": {"type": "str", "default": "root"},
    "group": {"type": "str", "default": "root"},
    "mode": {"type": "str", "required": True},
}
FILE_OPTIONS: dict[str, Any] = {
    "dest": {"type": "str", "required": True},
    "content": {"type": "str", "required": True, "no_log": False},
    "owner": {"type": "str", "default": "root"},
    "group": {"type": "str", "default": "root"},
    "mode": {"type": "str", "required": True},
    "validate": {"type": "str"},
    "applied_record": {"type": "str"},
}


class ConfigFileError(Exception):
    """A failure the module reports with its message."""


@dataclass(frozen=True)
class Ownership:
    uid: int
    gid: int
    mode: int

    @classmethod
    def of(cls, spec: dict[str, Any], what: str, check_mode: bool) -> "Ownership | None":
        """The wanted owner, group and mode; None in check mode when the owner or group does not
        exist yet (an earlier task of the role makes it, which check mode did not run)."""
        try:
            mode = int(spec["mode"], 8)
        except ValueError as error:
            raise ConfigFileError(f"{what}: mode {spec['mode']!r} is not an octal number") from error
        try:
            uid = pwd.getpwnam(spec["owner"]).pw_uid
            gid = grp.getgrnam(spec["group"]).gr_gid
        except KeyError as error:
            if check_mode:
                return None
            raise ConfigFileError(f"{what}: no such user or group on this machine ({error})") from error
        return cls(uid, gid, mode)

    def differs(self, path: str) -> bool:
        status = os.lstat(path)
        return (status.st_uid, status.st_gid, status.st_mode & 0o7777) != (self.uid, self.gid, self.mode)

    def apply(self, path: str) -> None:
        os.chown(path, self.uid, self.gid)
        os.chmod(path, self.mode)


def ensure_directory(spec: dict[str, Any], check_mode: bool) -> bool:
    path = spec["path"]
    wanted = Ownership.of(spec, path, check_mode)
    if os.path.lexists(path) and not (os.path.isdir(path) and not os.path.islink(path)):
        raise ConfigFileError(f"{path} exists and is not a folder")
    if wanted is None:  # check mode, and the owner is not there yet: the folder would change
        return True
    if os.path.isdir(path):
        if not wanted.differs(path):
            return False
    elif not check_mode:
        os.makedirs(path, mode=wanted.mode)
    if not check_mode:
        wanted.apply(path)
    return True


def current_content(path: str) -> bytes | None:
    if os.path.islink(path) or (os.path.lexists(path) and not os.path.isfile(path)):
        raise ConfigFileError(f"{path} exists and is not a regular file")
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def is_stale(record: str, dest: str, content: bytes) -> bool:
    """Whether the record of what the service loaded lacks this content's checksum for `dest`."""
    try:
        with open(record, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return True
    wanted = f"{hashlib.sha256(content).hexdigest()}  {dest}"
    return wanted not in lines


def write_file(spec: dict[str, Any], content: bytes, wanted: Ownership) -> None:
    dest = spec["dest"]
    folder = os.path.dirname(dest)
    if not os.path.isdir(folder):
        raise ConfigFileError(f"{dest}: its folder {folder} does not exist (list it under directories)")
    # The file's own name ends the temporary one: checkers that judge a file by its suffix
    # (`systemd-analyze verify` a .service) see what they would see in place.
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=f".{os.path.basename(dest)}")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        wanted.apply(temporary)
        if spec.get("validate"):
            command = spec["validate"]
            if "%s" not in command:
                raise ConfigFileError(f"{dest}: validate must contain %s (the file to check)")
            checked = subprocess.run(
                shlex.split(command.replace("%s", shlex.quote(temporary))),
                capture_output=True,
                text=True,
                check=False,
            )
            if checked.returncode != 0:
                output = (checked.stderr or checked.stdout).strip()
                raise ConfigFileError(f"{dest}: refused by `{command}` (exit {checked.returncode}): {output}")
        os.replace(temporary, dest)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


def converge(params: dict[str, Any], check_mode: bool, want_diff: bool) -> dict[str, Any]:
    changed_directories = [d["path"] for d in params["directories"] if ensure_directory(d, check_mode)]
    changed_files: list[str] = []
    stale_files: list[str] = []
    diffs: list[dict[str, str]] = []
    for spec in params["files"]:
        dest = spec["dest"]
        content = spec["content"].encode("utf-8")
        wanted = Ownership.of(spec, dest, check_mode)
        before = current_content(dest)
        if before != content or wanted is None or wanted.differs(dest):
            changed_files.append(dest)
            if want_diff and before != content:
                diffs.append(
                    {
                        "before_header": dest,
                        "after_header": dest,
                        "before": (before or b"").decode("utf-8", "replace"),
                        "after": spec["content"],
                    }
                )
            if wanted is not None and not check_mode:
                write_file(spec, content, wanted)
        if spec.get("applied_record") and is_stale(spec["applied_record"], dest, content):
            stale_files.append(dest)
    result: dict[str, Any] = {
        "changed": bool(changed_directories or changed_files or stale_files),
        "changed_directories": changed_directories,
        "changed_files": changed_files,
        "stale_files": stale_files,
    }
    if diffs:
        result["diff"] = diffs
    return result


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "directories": {"type": "list", "elements": "dict", "default": [], "options": DIRECTORY_OPTIONS},
            "files": {"type": "list", "elements": "dict", "default": [], "options": FILE_OPTIONS},
        },
        supports_check_mode=True,
    )
    try:
        result = converge(module.params, module.check_mode, module._diff)
    except (ConfigFileError, OSError) as error:
        module.fail_json(msg=str(error))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
