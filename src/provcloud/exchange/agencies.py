"""The agencies a node signs for: their Organ and document-signing key and chain."""

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509

from provcloud.edxml.model import Message, Organ
from provcloud.edxml.signing import SigningKey, sign


@dataclass(frozen=True)
class SigningAgency:
    organ: Organ
    key: SigningKey
    chain: Sequence[x509.Certificate]

    def sign(self, message: Message) -> bytes:
        return sign(message, self.key, self.chain)
