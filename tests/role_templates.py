"""Render a role's template as Ansible does (trim_blocks, Ansible's core filters such as `comment`),
so a test can hand the result to the program that reads it (keepalived, nft)."""

from pathlib import Path
from typing import Any

import jinja2
from ansible.plugins.filter.core import FilterModule

from conftest import ROOT

ANSIBLE_MANAGED = "Ansible managed"


def environment() -> jinja2.Environment:
    templates = jinja2.Environment(undefined=jinja2.StrictUndefined, trim_blocks=True, keep_trailing_newline=True)
    templates.filters.update(FilterModule().filters())
    return templates


def render_template(role: str, template: str, context: dict[str, Any], destination: Path) -> Path:
    """`roles/<role>/templates/<template>.j2` rendered with `context` into `destination` (mode 0755)."""
    text = (ROOT / "roles" / role / "templates" / f"{template}.j2").read_text(encoding="utf-8")
    destination.write_text(environment().from_string(text).render(context), encoding="utf-8")
    destination.chmod(0o755)
    return destination
