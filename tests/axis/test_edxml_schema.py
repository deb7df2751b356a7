"""The project's edXML XSD: in step with the catalogue's org-code rule, and it bites."""

import re
from collections.abc import Callable
from importlib.resources import files

import pytest
from lxml import etree

from axis.conftest import letter
from provcloud.catalogue.base import ORG_CODE_PATTERN
from provcloud.edxml.build import to_bytes, to_element
from provcloud.edxml.errors import InvalidDocument
from provcloud.edxml.model import Organ
from provcloud.edxml.schema import schema_problem

XSD = files("provcloud.edxml").joinpath("schema/edxml.xsd").read_text()


def test_the_xsd_organ_id_pattern_is_the_catalogues() -> None:
    pattern = re.search(r'name="OrganIdType">.*?<xs:pattern value="([^"]+)"', XSD, re.S)
    assert pattern, "OrganIdType has no pattern in edxml.xsd"
    assert f"^{pattern.group(1)}$" == ORG_CODE_PATTERN, "edxml.xsd OrganIdType drifted from ORG_CODE_PATTERN"


def test_a_built_letter_is_schema_valid() -> None:
    assert schema_problem(to_element(letter())) is None


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda xml: xml.replace(b"<Subject>", b"<Subject>" + b"x" * 2001), "Subject"),
        (lambda xml: xml.replace(b"<Type>1</Type>", b"<Type>-1</Type>"), "Type"),
        (lambda xml: xml.replace(b"<Direction>false", b"<Direction>maybe"), "Direction"),
        (lambda xml: xml.replace(b"<DocumentId>", b"<DocumentId> "), "DocumentId"),
        (lambda xml: xml.replace(b"<To>", b"<Cc>").replace(b"</To>", b"</Cc>"), "Cc"),
    ],
)
def test_the_schema_refuses_a_broken_field_naming_it(edit: Callable[[bytes], bytes], expected: str) -> None:
    problem = schema_problem(etree.fromstring(edit(to_bytes(letter()))))
    assert problem and expected in problem, problem


def test_building_a_document_with_a_bad_org_code_names_the_field() -> None:
    with pytest.raises(InvalidDocument, match="OrganId"):
        to_bytes(letter(recipients=(Organ("H29", "Sở Y tế"),)))


def test_building_text_xml_cannot_carry_names_the_field() -> None:
    with pytest.raises(InvalidDocument, match=r"^Subject: "):
        to_bytes(letter(subject="bell \x07"))
