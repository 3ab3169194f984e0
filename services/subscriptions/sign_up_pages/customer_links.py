"""The token of a customer's `sign_up_url` (`/sign_up/{token}`): unguessable, and it does not reveal the id.

Billing owns customers, and a business may have none or thousands; so the token is not stored anywhere. It is one
AES block, under a key derived from the server secret, holding the customer id and a tag of the tenant: only the
server can make or read one, a token of another business does not open, and a made-up token decrypts to a wrong
tag (a chance of 2^-64). It opens the business's *default* sign-up page with that customer prefilled; without a
default page there is no link (the API shows `sign_up_url: null`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KEY_PURPOSE = b"sign-up-customer-link"
TOKEN_LENGTH = 22  # 16 bytes, unpadded url-safe base64


def _key(secret_key: bytes) -> bytes:
    return hmac.new(secret_key, KEY_PURPOSE, hashlib.sha256).digest()


def _tag(secret_key: bytes, tenant: str) -> bytes:
    return hmac.new(_key(secret_key), b"tenant\x00" + tenant.encode(), hashlib.sha256).digest()[:8]


def _cipher(secret_key: bytes) -> Cipher[modes.ECB]:
    # One block only: ECB of a single block is the raw permutation, which is what this token needs.
    return Cipher(algorithms.AES(_key(secret_key)), modes.ECB())  # noqa: S305


def customer_token(secret_key: bytes, tenant: str, customer_id: int) -> str:
    block = customer_id.to_bytes(8, "big") + _tag(secret_key, tenant)
    encryptor = _cipher(secret_key).encryptor()
    sealed = encryptor.update(block) + encryptor.finalize()
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def customer_of_token(secret_key: bytes, tenant: str, token: str) -> int | None:
    """The customer id a token of this tenant names, or None for anything else."""
    if len(token) != TOKEN_LENGTH:
        return None
    try:
        sealed = base64.urlsafe_b64decode(token + "==")
    except ValueError:
        return None
    if len(sealed) != 16:
        return None
    decryptor = _cipher(secret_key).decryptor()
    block = decryptor.update(sealed) + decryptor.finalize()
    if not hmac.compare_digest(block[8:], _tag(secret_key, tenant)):
        return None
    customer_id = int.from_bytes(block[:8], "big")
    return customer_id if 0 < customer_id < 2**63 else None
