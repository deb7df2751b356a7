"""The project's edXML schema (schema/edxml.xsd), loaded once, and what it says about a tree."""

import re
from functools import cache
from importlib.resources import files
from typing import Any

from lxml import etree

from provcloud.edxml.model import NAMESPACE

_NAMESPACE_IN_MESSAGE = re.compile(r"\{" + re.escape(NAMESPACE) + r"\}")


@cache
def schema() -> etree.XMLSchema:
    source = files("provcloud.edxml").joinpath("schema/edxml.xsd").read_bytes()
    # The schema is ours, but parse it with the same closed parser as any input.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.fromstring(source, parser))


def schema_problem(root: etree._Element) -> str | None:
    """The first way `root` breaks the edXML schema, as `line N: <message>`; None when it is valid."""
    checker = schema()
    if checker.validate(root):
        return None
    errors: Any = checker.error_log  # lxml-stubs leave _ErrorLog empty
    error = errors[0]
    # libxml2 writes elements as {namespace}Name: the namespace is the same everywhere, drop it.
    return f"line {error.line}: {_NAMESPACE_IN_MESSAGE.sub('', error.message)}"
