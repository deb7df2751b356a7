"""The Debian mirror the host itself uses, read from its apt sources.

The lab's base image is built from it and the package proxy forwards to it: a mirror the host can
reach. (apt-cacher-ng left to its own choice picks one that may be unreachable and answers every
request with 503 "Host not found".)
"""

import re
from dataclasses import dataclass
from pathlib import Path

from provcloud.errors import UserError

APT_SOURCES = Path("/etc/apt")


@dataclass(frozen=True)
class Mirror:
    archive: str
    """e.g. `http://deb.debian.org/debian/` (always with a trailing slash)."""
    security: str | None
    """e.g. `http://deb.debian.org/debian-security/`; None when the host has no security source."""


def _one_line_entries(text: str) -> list[tuple[str, str]]:
    """(uri, suite) of `deb` lines in the one-line format."""
    entries = []
    for line in text.splitlines():
        words = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
        if len(words) >= 3 and words[0] == "deb":
            entries.append((words[1], words[2]))
    return entries


def _deb822_entries(text: str) -> list[tuple[str, str]]:
    """(uri, suite) of `Types: deb` stanzas in the deb822 format."""
    entries: list[tuple[str, str]] = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[0].isspace():
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes") != "no":
            entries.extend(
                (uri, suite) for uri in fields.get("uris", "").split() for suite in fields.get("suites", "").split()
            )
    return entries


def parse_sources(files: dict[str, str], suite: str) -> Mirror:
    """The archive and security URIs serving `suite` among the given apt source files (name → text)."""
    entries: list[tuple[str, str]] = []
    for name, text in sorted(files.items()):
        entries.extend(_deb822_entries(text) if name.endswith(".sources") else _one_line_entries(text))
    archive = next((uri for uri, s in entries if s == suite and uri.startswith("http")), None)
    security = next((uri for uri, s in entries if s == f"{suite}-security" and uri.startswith("http")), None)
    if archive is None:
        raise UserError(
            f"the host's apt sources ({APT_SOURCES}/sources.list*) name no http Debian mirror for {suite}: "
            "the lab builds its machines from the host's own mirror"
        )
    return Mirror(archive=archive.rstrip("/") + "/", security=security.rstrip("/") + "/" if security else None)


def host_mirror(suite: str) -> Mirror:
    files = {}
    for path in [APT_SOURCES / "sources.list", *sorted((APT_SOURCES / "sources.list.d").glob("*"))]:
        if path.is_file() and path.suffix in (".list", ".sources"):
            files[path.name] = path.read_text(encoding="utf-8", errors="replace")
    return parse_sources(files, suite)
