"""HTTP Basic with the API key as the username (Invoiced's scheme). The key is checked by auth (deps.api_business)."""

from __future__ import annotations

import base64
import binascii

from fastapi import Request
from portal_kit.errors import Unauthenticated

MISSING = "Provide your API key as the username of HTTP Basic authentication."
INVALID = "Invalid API key."


def api_key_of(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise Unauthenticated(MISSING)
    try:
        username, _, _password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthenticated(INVALID) from None
    if not username or len(username) > 200:
        raise Unauthenticated(INVALID)
    return username
