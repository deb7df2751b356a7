"""The edXML fixture corpus: every valid file reads and rebuilds; every invalid one is refused
with exactly the reason its `<!-- refused: … -->` comment states."""

import re
from pathlib import Path

import pytest

from provcloud.edxml.build import to_bytes
from provcloud.edxml.errors import MessageRefused
from provcloud.edxml.parse import parse

FIXTURES = Path(__file__).parent / "fixtures"
REFUSED = re.compile(rb"<!-- refused: (.*?) -->")


@pytest.mark.parametrize("path", sorted((FIXTURES / "valid").glob("*.edxml")), ids=lambda path: path.name)
def test_a_valid_fixture_reads_and_rebuilds_to_the_same_message(path: Path) -> None:
    message = parse(path.read_bytes())
    assert parse(to_bytes(message)) == message


@pytest.mark.parametrize("path", sorted((FIXTURES / "invalid").glob("*.edxml")), ids=lambda path: path.name)
def test_an_invalid_fixture_is_refused_with_its_stated_reason(path: Path) -> None:
    data = path.read_bytes()
    stated = REFUSED.search(data)
    assert stated, f"{path.name} does not state the reason it must be refused with"
    with pytest.raises(MessageRefused) as refused:
        parse(data)
    assert refused.value.reason == stated.group(1).decode()
