"""Controller-side state of a province: generated secrets, the provincial CA, tokens, run records.

`$PROVCLOUD_STATE_DIR/<slug>/` when the variable is set, else `<project root>/.state/<slug>/`
(git-ignored). Created with mode 0700: it holds secrets.
"""

import os
from pathlib import Path

from provcloud.project import project_root

STATE_DIR_ENV = "PROVCLOUD_STATE_DIR"


def state_dir(slug: str, root: Path | None = None) -> Path:
    base = Path(os.environ[STATE_DIR_ENV]) if os.environ.get(STATE_DIR_ENV) else (root or project_root()) / ".state"
    return base / slug


def ensure_state_dir(slug: str, root: Path | None = None) -> Path:
    folder = state_dir(slug, root)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder
