"""Where the lab keeps its state and caches (both overridable by environment variables)."""

import os
from pathlib import Path

LAB_DIR_ENV = "PROVCLOUD_LAB_DIR"
CACHE_DIR_ENV = "PROVCLOUD_CACHE_DIR"
DEFAULT_LAB_DIR = Path("/var/lib/provcloud/lab")
DEFAULT_CACHE_DIR = Path("/var/cache/provcloud")


def labs_dir() -> Path:
    """`$PROVCLOUD_LAB_DIR`, default `/var/lib/provcloud/lab`: one folder per province slug below it."""
    return Path(os.environ.get(LAB_DIR_ENV) or DEFAULT_LAB_DIR)


def lab_dir(slug: str) -> Path:
    """The state of one province's lab: machines, keys, pids, the proxy's config."""
    return labs_dir() / slug


def cache_dir() -> Path:
    """`$PROVCLOUD_CACHE_DIR`, default `/var/cache/provcloud`: the base image and package caches."""
    return Path(os.environ.get(CACHE_DIR_ENV) or DEFAULT_CACHE_DIR)


def ssh_key(slug: str) -> Path:
    """The controller's private key for the lab's admin user (public half beside it, `.pub`)."""
    return lab_dir(slug) / "ssh" / "id_ed25519"


def known_hosts(slug: str) -> Path:
    """Host keys of the lab's machines, written when each machine is created."""
    return lab_dir(slug) / "ssh" / "known_hosts"


def state_file(slug: str) -> Path:
    return lab_dir(slug) / "state.json"
