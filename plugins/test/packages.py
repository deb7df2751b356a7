"""Jinja test `installed`: whether Debian packages are installed, by the facts of the run.

`when: __pki_packages is not installed(ansible_local | default({}))` on a role's apt task skips the
apt module on a machine that has them all: an apt run that finds nothing to do still costs a
Python start and the opening of apt's cache on every machine, several per converge. The list comes
from the local fact `ansible_local.packages` (roles/common/templates/etc/ansible/facts.d/
packages.fact.j2), read once at fact gathering; without it every package counts as missing and
the apt task runs, as it would without this test. The fact may be older than the run's own
installs, never newer, so a stale list can only make apt run, never skip a package that is missing.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any


def installed(packages: Iterable[str], local_facts: Mapping[str, Any]) -> bool:
    fact = local_facts.get("packages") if isinstance(local_facts, Mapping) else None
    present = fact.get("installed") if isinstance(fact, Mapping) else None
    if not isinstance(present, list):
        return False
    return set(packages) <= set(present)


class TestModule:
    def tests(self) -> dict[str, Callable[..., bool]]:
        return {"installed": installed}
