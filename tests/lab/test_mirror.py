"""The host's Debian mirror is read from its apt sources, in both formats."""

import pytest

from provcloud.errors import UserError
from provcloud.lab.mirror import parse_sources

DEB822 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
"""


def test_deb822_sources() -> None:
    mirror = parse_sources({"debian.sources": DEB822}, "bookworm")
    assert (mirror.archive, mirror.security) == (
        "http://deb.debian.org/debian/",
        "http://deb.debian.org/debian-security/",
    )


def test_one_line_sources_with_options_and_other_repositories() -> None:
    text = (
        "deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n"
        "deb [arch=amd64 signed-by=/k.gpg] http://mirror.example.vn/debian bookworm main contrib\n"
        "# deb http://old.example/debian bookworm main\n"
    )
    mirror = parse_sources({"sources.list": text}, "bookworm")
    assert (mirror.archive, mirror.security) == ("http://mirror.example.vn/debian/", None)


def test_no_mirror_is_a_clear_error() -> None:
    with pytest.raises(UserError, match="name no http Debian mirror for bookworm"):
        parse_sources({"sources.list": "deb http://deb.debian.org/debian trixie main\n"}, "bookworm")
