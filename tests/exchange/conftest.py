"""Two provinces (Quảng Ninh H49, Hồ Chí Minh City H29), each with a fake document system, an
exchange node and its message log, and the national peer between them — all on loopback HTTP."""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from axis.pki import Issued, agency_certificate, provincial_ca
from docsystem.fake_mayan import ADMIN, FakeMayan, serving
from provcloud.edxml.certificates import TrustList
from provcloud.edxml.model import Organ
from provcloud.exchange.agencies import SigningAgency
from provcloud.exchange.mayan import INBOX, METADATA, OUTBOX, RECIPIENTS, MayanFiling
from provcloud.exchange.node import Local, Node
from provcloud.exchange.outbox import send_outbox
from provcloud.exchange.queue import OutboundQueue
from provcloud.exchange.receipts import Receipts
from provcloud.exchange.routing import ProvinceRoutes, RoutingTable
from provcloud.exchange.service import serving as serving_node
from provcloud.message_log import MessageLog

FINANCE_H49 = Organ("000.03.00.H49", "Sở Tài chính tỉnh Quảng Ninh")
HEALTH_H29 = Organ("000.05.00.H29", "Sở Y tế TP. Hồ Chí Minh")
DIRECTORY = {organ.organ_id: organ for organ in (FINANCE_H49, HEALTH_H29)}
LETTER = b"%PDF-1.7\n" + bytes(range(256)) * 40


@dataclass
class Province:
    code: str
    agency: Organ
    mayan: FakeMayan
    filing: MayanFiling
    node: Node
    log: Path

    def outbox_document(self, content: bytes, number: str, recipients: str, subject: str = "Về việc quyết toán") -> int:
        return outbox_document(self.mayan, self.filing, self.agency, content, number, recipients, subject)

    def send(self) -> int:
        """The exchange's pass over the agency's outbox: how many documents it queued."""
        return send_outbox(self.node, self.filing, self.agency.organ_id, DIRECTORY, "Hạ Long")

    def cabinet(self, box: str) -> int:
        return self.filing.cabinet(self.agency.organ_id, box)

    def documents_in(self, box: str) -> list[int]:
        return list(self.mayan.cabinet_documents.get(self.cabinet(box), []))


def outbox_document(
    mayan: FakeMayan, filing: MayanFiling, agency: Organ, content: bytes, number: str, recipients: str, subject: str
) -> int:
    """What an agency's clerk does: upload a file, fill the exchange metadata, put it in the outbox."""
    with mayan.lock:  # an exchange may be reading the same fake over HTTP meanwhile
        label = f"{agency.organ_id} — {agency.organ_name}"
        document_type = next(i for i, t in mayan.collections["document_types"].items() if t["label"] == label)
        status, document = mayan.upload({"document_type_id": document_type, "file": (f"{number}.pdf", content)})
        assert status == 201
        values = {RECIPIENTS: recipients, "exchange_number": number, "exchange_notation": "STC-NS"}
        values |= {"exchange_date": "2026-12-03", "exchange_subject": subject}
        types = {item["name"]: item["id"] for item in mayan.collections["metadata_types"].values()}
        for name, value in values.items():
            added, _ = mayan.add_metadata(str(document["id"]), {"metadata_type_id": types[name], "value": value})
            assert added == 201, f"metadata {name} refused"
    outbox = filing.cabinet(agency.organ_id, OUTBOX)
    with mayan.lock:
        mayan.add_to_cabinet(str(outbox), {"document": document["id"]})
    return int(document["id"])


def agency_layout(mayan: FakeMayan, agency: Organ) -> None:
    """What the docsystem role makes per agency, plus the exchange's outbox, inbox and metadata types."""
    cabinet = mayan.add("cabinets", {"label": f"{agency.organ_id} — {agency.organ_name}", "parent": None})
    for box in (OUTBOX, INBOX):
        mayan.add("cabinets", {"label": box, "parent": cabinet["id"]})
    document_type = mayan.add("document_types", {"label": f"{agency.organ_id} — {agency.organ_name}"})
    for name in METADATA:  # one metadata type per name for the whole document system, as in Mayan
        metadata_type = mayan.named("metadata_types", "name").get(name) or mayan.add(
            "metadata_types", {"name": name, "label": name}
        )
        mayan.attach(str(document_type["id"]), {"metadata_type_id": metadata_type["id"], "required": False})


@pytest.fixture(scope="session")
def cas() -> dict[str, Issued]:
    return {"H49": provincial_ca("Quảng Ninh"), "H29": provincial_ca("TP. Hồ Chí Minh", kind="rsa")}


@pytest.fixture(scope="session")
def trust(cas: dict[str, Issued]) -> TrustList:
    return TrustList(tuple(ca.certificate for ca in cas.values()))


@contextmanager
def province(stack: ExitStack, tmp: Path, code: str, agency: Organ, ca: Issued, trust: TrustList) -> Iterator[Province]:
    mayan = FakeMayan()
    agency_layout(mayan, agency)
    mayan.tokens["exchange-token"] = mayan.user(ADMIN)["id"]
    filing = MayanFiling(stack.enter_context(serving(mayan)), "exchange-token")
    signing = agency_certificate(ca, agency.organ_id)
    local = Local(
        {agency.organ_id: SigningAgency(agency, signing.key, [signing.certificate])},
        filing,
        Receipts(tmp / code / "receipts.db"),
        OutboundQueue(tmp / code / "queue.db"),
    )
    log = tmp / code / "lgsp.log"
    node = Node(f"lgsp-{code.lower()}", "", ProvinceRoutes(code, "", ""), trust, MessageLog(log), local)
    url, _ = stack.enter_context(serving_node(node))
    node.endpoint = url
    yield Province(code, agency, mayan, filing, node, log)


@dataclass
class Axis:
    h49: Province
    h29: Province
    national: Node
    national_log: Path
    national_port: int
    national_stack: ExitStack

    def national_down(self) -> None:
        self.national_stack.close()

    def national_up(self) -> None:
        """The national peer back on the port the provinces know."""
        self.national_stack = ExitStack()
        self.national_stack.enter_context(serving_node(self.national, self.national_port))

    @property
    def logs(self) -> list[Path]:
        return [self.h49.log, self.national_log, self.h29.log]


@contextmanager
def two_provinces(tmp_path: Path, cas: dict[str, Issued], trust: TrustList) -> Iterator[Axis]:
    """Quảng Ninh and Hồ Chí Minh City with the national peer between them (also bench/axis_exchange.py)."""
    with ExitStack() as stack:
        h49 = stack.enter_context(province(stack, tmp_path, "H49", FINANCE_H49, cas["H49"], trust))
        h29 = stack.enter_context(province(stack, tmp_path, "H29", HEALTH_H29, cas["H29"], trust))
        table = RoutingTable({"H49": h49.node.endpoint, "H29": h29.node.endpoint})
        national = Node("national", "", table, trust, MessageLog(tmp_path / "national.log"))
        national_stack = ExitStack()
        url, server = national_stack.enter_context(serving_node(national))
        for side in (h49, h29):
            side.node.routes = ProvinceRoutes(side.code, side.node.endpoint, url)
        found = Axis(h49, h29, national, tmp_path / "national.log", server.server_address[1], national_stack)
        try:
            yield found
        finally:
            found.national_stack.close()


@pytest.fixture
def axis(tmp_path: Path, cas: dict[str, Issued], trust: TrustList) -> Iterator[Axis]:
    with two_provinces(tmp_path, cas, trust) as found:
        yield found
