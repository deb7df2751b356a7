"""Agency signing certificates and the trust list they are checked against.

A provincial CA issues each agency two kinds of certificate: a TLS client certificate (EKU
clientAuth) to call the LGSP node, and a document-signing certificate to sign what it sends. They
are kept apart so that a stolen TLS key cannot sign official documents: a signing certificate has
KeyUsage digitalSignature or nonRepudiation and ExtendedKeyUsage id-kp-documentSigning (RFC 9336),
and no TLS purpose. Its subject names the agency by organizationIdentifier = its OrganId, so a
receiver can check that the certificate belongs to the agency in `From`. One rule, used by the
signer (refuses to sign) and by the verifier (refuses the message).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from cryptography.x509.verification import Criticality, ExtensionPolicy, PolicyBuilder, Store, VerificationError

from provcloud.edxml.errors import MessageRefused
from provcloud.errors import UserError

DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
"""id-kp-documentSigning (RFC 9336): the certificate signs documents, not TLS connections."""
_TLS_PURPOSES = {ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH}


def describe(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string()


def signing_problem(certificate: x509.Certificate) -> str | None:
    """Why `certificate` may not sign documents, or None when it may."""
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return f"certificate {describe(certificate)} has no KeyUsage: a signing certificate needs digitalSignature"
    if not (usage.digital_signature or usage.content_commitment):
        return f"certificate {describe(certificate)} KeyUsage allows neither digitalSignature nor nonRepudiation"
    try:
        purposes = set(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return f"certificate {describe(certificate)} has no ExtendedKeyUsage documentSigning"
    if purposes & _TLS_PURPOSES:
        return (
            f"certificate {describe(certificate)} is a TLS certificate (ExtendedKeyUsage "
            f"{', '.join(sorted(p._name for p in purposes & _TLS_PURPOSES))}); documents are signed with "
            "the agency's separate document-signing certificate"
        )
    if DOCUMENT_SIGNING not in purposes:
        return f"certificate {describe(certificate)} ExtendedKeyUsage lacks documentSigning (1.3.6.1.5.5.7.3.36)"
    return None


def organ_id_of(certificate: x509.Certificate) -> str | None:
    """The OrganId the certificate was issued to (subject organizationIdentifier)."""
    names = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)
    return str(names[0].value) if names else None


def load_certificates(path: Path) -> list[x509.Certificate]:
    """Every PEM certificate in `path`; UserError naming the file when there is none or it is unreadable."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UserError(f"{path}: cannot read: {error.strerror}") from None
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise UserError(f"{path}: not a PEM certificate file") from None
    return certificates


@dataclass(frozen=True)
class TrustList:
    """The CAs whose agency certificates a receiver accepts: every provincial CA, as the national
    peer hands them out."""

    anchors: tuple[x509.Certificate, ...]

    @classmethod
    def from_files(cls, paths: Sequence[Path]) -> "TrustList":
        anchors = tuple(certificate for path in paths for certificate in load_certificates(path))
        if not anchors:
            raise UserError("the trust list is empty: give at least one CA certificate")
        return cls(anchors)

    def verify(self, leaf: x509.Certificate, intermediates: Sequence[x509.Certificate], at: datetime) -> None:
        """Check `leaf` was issued (through `intermediates`) by a trusted CA, for signing, valid at `at`."""
        for certificate in (leaf, *intermediates):
            if at < certificate.not_valid_before_utc:
                raise MessageRefused(
                    f"certificate {describe(certificate)} is not valid before {_utc(certificate.not_valid_before_utc)}"
                )
            if at > certificate.not_valid_after_utc:
                raise MessageRefused(
                    f"certificate {describe(certificate)} expired on {_utc(certificate.not_valid_after_utc)}"
                )
        problem = signing_problem(leaf)
        if problem:
            raise MessageRefused(problem)
        verifier = (
            PolicyBuilder()
            .store(Store(list(self.anchors)))
            .time(at.astimezone(UTC))
            .extension_policies(ee_policy=_signing_leaf_policy(), ca_policy=ExtensionPolicy.webpki_defaults_ca())
            .build_client_verifier()
        )
        try:
            verifier.verify(leaf, list(intermediates))
        except VerificationError as error:
            raise MessageRefused(
                f"certificate {describe(leaf)} (issuer {leaf.issuer.rfc4514_string()}) does not chain to a trusted "
                f"CA: {error}"
            ) from None


def _signing_leaf_policy() -> ExtensionPolicy:
    # The WebPKI leaf profile wants a TLS purpose and a subjectAltName; a signing certificate has
    # neither. Its purpose is checked by signing_problem before the chain is built.
    return ExtensionPolicy.permit_all().require_present(x509.KeyUsage, Criticality.AGNOSTIC, None)


def _utc(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"
