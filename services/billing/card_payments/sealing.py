"""Envelope encryption of the businesses' Stripe secrets (AES-256-GCM).

Each record gets its own random data key; the data key is stored wrapped by the key-encryption key derived from
`PORTAL_ENCRYPTION_KEY`. Rotating that key means re-wrapping data keys only. The record's tenant is bound in as
associated data, so a sealed value copied to another business does not open.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from portal_kit.errors import FailedPrecondition

NONCE_BYTES = 12


@dataclass(frozen=True)
class Sealed:
    """What is stored: the ciphertext and the wrapped data key (both base64 text), and which key wrapped it."""

    ciphertext: str
    wrapped_key: str
    key_id: str


NOT_CONFIGURED = "Card payments are not configured on this server (PORTAL_ENCRYPTION_KEY is not set)."


class Sealer:
    """Seals with the key-encryption key derived from `encryption_key`; an empty key seals and opens nothing."""

    def __init__(self, encryption_key: bytes) -> None:
        if encryption_key and len(encryption_key) < 32:
            raise ValueError("the encryption key must be at least 32 bytes")
        self._kek = AESGCM(hashlib.sha256(b"portal-envelope-kek\x00" + encryption_key).digest())
        self.key_id = hashlib.sha256(b"portal-envelope-id\x00" + encryption_key).hexdigest()[:16]
        self.configured = bool(encryption_key)

    def _require_key(self) -> None:
        if not self.configured:
            raise FailedPrecondition(NOT_CONFIGURED)

    def seal(self, plaintext: str, context: str) -> Sealed:
        self._require_key()
        data_key = AESGCM.generate_key(bit_length=256)
        ciphertext = _encrypt(AESGCM(data_key), plaintext.encode(), context)
        wrapped = _encrypt(self._kek, data_key, context)
        return Sealed(ciphertext, wrapped, self.key_id)

    def open(self, sealed: Sealed, context: str) -> str:
        self._require_key()
        if sealed.key_id != self.key_id:
            raise ValueError("sealed with another encryption key")
        try:
            data_key = _decrypt(self._kek, sealed.wrapped_key, context)
            return _decrypt(AESGCM(data_key), sealed.ciphertext, context).decode()
        except InvalidTag:
            raise ValueError("the sealed value does not open with this key and context") from None


def _encrypt(aead: AESGCM, data: bytes, context: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    return base64.b64encode(nonce + aead.encrypt(nonce, data, context.encode())).decode()


def _decrypt(aead: AESGCM, text: str, context: str) -> bytes:
    raw = base64.b64decode(text)
    return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
