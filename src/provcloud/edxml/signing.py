"""Sign an edXML message (XML-DSig, enveloped, RSA-SHA256 or ECDSA-SHA256) and verify one.

The signature sits in edXMLHeader and covers the whole message (one Reference, URI=""), the
attachments included. Verification fails closed: exactly one signature, in its place, covering
everything; the signing certificate chains to the trust list and is a document-signing
certificate of the agency in `From`; and the message the caller gets is built from what signxml
reports as signed (`signed_xml`), never from the tree as received — so a second, unsigned
envelope slipped in beside the signed one (signature wrapping) is never what is read.
"""

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.exceptions import InvalidDigest, InvalidInput, InvalidSignature
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from provcloud.edxml.build import serialize, to_element
from provcloud.edxml.certificates import TrustList, describe, organ_id_of, signing_problem
from provcloud.edxml.errors import MessageRefused
from provcloud.edxml.model import NAMESPACE, Message
from provcloud.edxml.parse import DEFAULT_LIMITS, Limits, message_from_tree, read_tree
from provcloud.errors import UserError

DSIG = "http://www.w3.org/2000/09/xmldsig#"
_NS = {"ds": DSIG, "e": NAMESPACE}
_HEADER = "e:edXMLEnvelope/e:edXMLHeader"
SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
_ACCEPTED = SignatureConfiguration(
    location=f"./{{{NAMESPACE}}}edXMLEnvelope/{{{NAMESPACE}}}edXMLHeader/",
    signature_methods=frozenset({SignatureMethod.RSA_SHA256, SignatureMethod.ECDSA_SHA256}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
    expect_references=1,
)


class SigningRefused(UserError):
    """The key or certificate given cannot sign this message (names what is wrong)."""


def _public_bytes(key: object) -> bytes:
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise SigningRefused("only RSA and ECDSA keys sign edXML")
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def sign(message: Message, key: SigningKey, chain: Sequence[x509.Certificate]) -> bytes:
    """The message as signed edXML. `chain` is the agency's signing certificate, then any intermediates."""
    if not chain:
        raise SigningRefused("no signing certificate given")
    leaf = chain[0]
    problem = signing_problem(leaf)
    if problem:
        raise SigningRefused(problem)
    if _public_bytes(key.public_key()) != _public_bytes(leaf.public_key()):
        raise SigningRefused(f"the private key does not belong to certificate {describe(leaf)}")
    holder = organ_id_of(leaf)
    if holder != message.sender.organ_id:
        raise SigningRefused(
            f"certificate {describe(leaf)} was issued to {holder or 'no OrganId'}, but the message is from "
            f"{message.sender.organ_id}"
        )
    root = to_element(message)
    header = root.find(_HEADER, _NS)
    assert header is not None  # to_element always writes it
    etree.SubElement(header, f"{{{DSIG}}}Signature", Id="placeholder", nsmap={"ds": DSIG})
    method = SignatureMethod.RSA_SHA256 if isinstance(key, rsa.RSAPrivateKey) else SignatureMethod.ECDSA_SHA256
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=method,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    return serialize(signer.sign(root, key=key, cert=list(chain)))


@dataclass(frozen=True)
class Verified:
    """A message whose signature and signing certificate were checked."""

    message: Message
    signer: x509.Certificate


def verify(
    data: bytes, trust: TrustList, *, at: datetime | None = None, limits: Limits = DEFAULT_LIMITS, source: str = ""
) -> Verified:
    """The message in `data` if its signature holds (see the module doc); MessageRefused with the reason if not."""
    try:
        return _verify(data, trust, at or datetime.now(UTC), limits)
    except MessageRefused as refused:
        if source and not refused.source:
            raise MessageRefused(refused.reason, source=source) from None
        raise


def _verify(data: bytes, trust: TrustList, at: datetime, limits: Limits) -> Verified:
    root = read_tree(data, limits=limits)
    signatures = root.findall(".//ds:Signature", _NS)
    if not signatures:
        raise MessageRefused("the message is not signed")
    if len(signatures) > 1:
        raise MessageRefused(f"the message has {len(signatures)} signatures; an edXML message has one")
    signature = signatures[0]
    if signature.getparent() is not root.find(_HEADER, _NS):
        raise MessageRefused("the Signature is not in edXMLEnvelope/edXMLHeader")
    references = signature.findall("ds:SignedInfo/ds:Reference", _NS)
    if len(references) != 1 or references[0].get("URI") != "":
        raise MessageRefused('the signature must cover the whole message: one Reference with URI=""')
    leaf, *intermediates = _certificates(signature)
    trust.verify(leaf, intermediates, at)
    sender = root.findtext("e:edXMLEnvelope/e:edXMLHeader/*/e:From/e:OrganId", namespaces=_NS)
    holder = organ_id_of(leaf)
    if holder != sender:
        raise MessageRefused(
            f"signed with the certificate of {holder or 'no OrganId'} ({describe(leaf)}) but sent as From {sender}"
        )
    try:
        result = XMLVerifier().verify(root, x509_cert=leaf, expect_config=replace(_ACCEPTED, verification_time=at))
    except InvalidDigest:
        raise MessageRefused("digest mismatch: the message was changed after it was signed") from None
    except (InvalidSignature, InvalidInput) as error:
        raise MessageRefused(f"the signature does not verify: {error}") from None
    signed = result.signed_xml if not isinstance(result, list) else None
    if signed is None or signed.tag != root.tag:
        raise MessageRefused("the signature does not cover the edXML root")
    return Verified(message_from_tree(signed, limits=limits), leaf)


def _certificates(signature: etree._Element) -> list[x509.Certificate]:
    texts = [element.text or "" for element in signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", _NS)]
    if not texts:
        raise MessageRefused("the signature carries no X509Certificate")
    try:
        return [
            x509.load_der_x509_certificate(base64.b64decode("".join(text.split()), validate=True)) for text in texts
        ]
    except (ValueError, binascii.Error):
        raise MessageRefused("an X509Certificate in the signature is not a certificate") from None


def is_signed(root: etree._Element) -> bool:
    return root.find(".//ds:Signature", _NS) is not None
