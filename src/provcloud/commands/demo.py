"""`provcloud demo`: the main job on the embedded default, end to end, on the demo province.

Each step is a function of the steps list; later parts of provcloud add theirs (plan, lab,
configure, a request through the LGSP node). A failing step stops the demo with its exit code.
"""

from collections.abc import Callable
from typing import Annotated

import typer

from provcloud.commands.configure import configure
from provcloud.commands.lab import up
from provcloud.commands.lab_use import how_to_use
from provcloud.commands.plan import plan
from provcloud.commands.validate import load_catalogue, validate
from provcloud.console import out
from provcloud.project import catalogue_file

DemoStep = tuple[str, Callable[[str], None]]


def _validate(province: str) -> None:
    validate(provinces=None, quiet=False)


def _plan(province: str) -> None:
    plan(province)


def _lab_up(province: str) -> None:
    up(province)


def _configure(province: str) -> None:
    configure(province, limit=None, tags=None, check=False)


def _sharing_province(province: str) -> str | None:
    """The first lab province that shares this one's national peer (demo: demo2), if any."""
    from provcloud.catalogue.lab_peer import peer_group

    file = catalogue_file(province)
    group = peer_group(load_catalogue(file), file)
    others = group.others(group.peer) if group and group.peer.slug == province else ()
    return others[0].slug if others else None


def _second_lab(province: str) -> None:
    """The second lab province up and converged beside this one, and this province's exchange
    converged again: its node and national peer then trust the new province's CA."""
    second = _sharing_province(province)
    if second is None:
        out.print(f"no lab province shares {province}'s national peer: the letter stays inside {province}")
        return
    up(second)
    configure(second, limit=None, tags=None, check=False)
    configure(province, limit="lgsp_nodes:national_peer", tags="exchange", check=False)


def _smoke_request(province: str) -> None:
    """One authenticated request through the LGSP node, as the first consuming agency's system."""
    from provcloud.commands.lgsp_smoke import smoke_request

    smoke_request(province)


def _docsystem_sample(province: str) -> None:
    """One agency stores and fetches a document in the shared document system through the LGSP node."""
    from provcloud.commands.docsystem_sample import store_sample_document

    store_sample_document(province)


def _exchange_sample(province: str) -> None:
    """One agency sends a letter to another province's agency through the nodes and the national
    peer; its trace in every node's log."""
    from provcloud.commands.exchange_sample import send_sample_letter

    send_sample_letter(province)


STEPS: list[DemoStep] = [
    ("validate every province and show what each declares", _validate),
    ("plan the platform stack offline: objects, schemas, policies", _plan),
    ("bring the demo lab up: the service machines on this host", _lab_up),
    ("converge the service machines (playbooks/site.yml)", _configure),
    ("a request through the LGSP node, as a consuming agency", _smoke_request),
    ("a document into the shared document system, through the LGSP node", _docsystem_sample),
    ("bring the second lab province up beside it, sharing the national peer", _second_lab),
    ("a letter to the other province through the national peer, and its trace", _exchange_sample),
]


def demo(
    province: Annotated[str, typer.Argument(help="The lab province to run the demo on.")] = "demo",
) -> None:
    """Run the main job on the embedded default: validate, and every later step provcloud has."""
    for number, (title, step) in enumerate(STEPS, start=1):
        out.rule(f"[bold]{number}/{len(STEPS)} {title}")
        step(province)
    out.rule("[bold green]demo complete")
    out.print("Now use the lab yourself (as root, while it is up):")
    for command, what in how_to_use(load_catalogue(catalogue_file(province))):
        out.print(f"  [bold]{command}[/]\n      {what}", soft_wrap=True)
    for lab in filter(None, (_sharing_province(province), province)):
        out.print(f"  [bold]provcloud lab down {lab}[/]\n      when you are done: removes what the lab created")
