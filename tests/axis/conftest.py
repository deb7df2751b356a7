"""Fixtures of the document-axis tests: two provinces' CAs, their agencies' certificates, a letter."""

from datetime import date, datetime

import pytest

from axis.pki import Issued, agency_certificate, provincial_ca
from provcloud.edxml.certificates import TrustList
from provcloud.edxml.model import (
    Attachment,
    Document,
    DocumentCode,
    DocumentType,
    Organ,
    OtherInfo,
    Promulgation,
    Signer,
    TraceHeader,
    document_id_for,
)

SENDER = Organ("000.03.00.H49", "Sở Tài chính tỉnh Quảng Ninh", "UBND tỉnh Quảng Ninh")
RECIPIENT = Organ("000.05.00.H29", "Sở Y tế TP. Hồ Chí Minh", "UBND TP. Hồ Chí Minh")
LETTER_PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8


def letter(**changes: object) -> Document:
    """An official letter (công văn) from Quảng Ninh's finance department to HCMC's health department."""
    code = DocumentCode("125", "STC-NS")
    fields: dict[str, object] = {
        "sender": SENDER,
        "recipients": (RECIPIENT,),
        "document_id": document_id_for(SENDER.organ_id, date(2026, 12, 3), code),
        "code": code,
        "promulgation": Promulgation("Hạ Long", date(2026, 12, 3)),
        "document_type": DocumentType(1, "Công văn"),
        "subject": "Về việc phối hợp quyết toán kinh phí y tế năm 2026",
        "content": "Sở Tài chính đề nghị Sở Y tế phối hợp…",
        "signer": Signer("Trần Thị Bình", "Giám đốc", "Thủ trưởng cơ quan"),
        "other_info": OtherInfo(priority=1, sphere_of_promulgation="Liên tỉnh", typer_notation="TB", page_amount=2),
        "trace": (TraceHeader(SENDER.organ_id, datetime(2026, 12, 3, 9, 15, 0)),),
        "attachments": (Attachment("cv125", "125-STC-NS.pdf", "application/pdf", LETTER_PDF, "Công văn"),),
    }
    fields.update(changes)
    return Document(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def quang_ninh_ca() -> Issued:
    return provincial_ca("Quảng Ninh")


@pytest.fixture(scope="session")
def hcmc_ca() -> Issued:
    return provincial_ca("TP. Hồ Chí Minh", kind="rsa")


@pytest.fixture(scope="session")
def trust(quang_ninh_ca: Issued, hcmc_ca: Issued) -> TrustList:
    """The national peer's trust list: both provincial CAs."""
    return TrustList((quang_ninh_ca.certificate, hcmc_ca.certificate))


@pytest.fixture(scope="session")
def sender_signing(quang_ninh_ca: Issued) -> Issued:
    return agency_certificate(quang_ninh_ca, SENDER.organ_id)


@pytest.fixture(scope="session")
def sender_signing_rsa(quang_ninh_ca: Issued) -> Issued:
    return agency_certificate(quang_ninh_ca, SENDER.organ_id, kind="rsa")
