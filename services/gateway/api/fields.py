"""Between validated request models and protobuf messages: scalar fields in, optional proto fields out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from google.protobuf.message import Message

from services.gateway.api.schema import RequestModel


def copy_scalars(message: Message, body: RequestModel, names: Iterable[str], cleared: list[str] | None) -> None:
    """Copies the fields `names` the client sent into message. A null clears (updates) or is skipped (creates)."""
    given = body.given()
    for name in names:
        if name not in given:
            continue
        if given[name] is None:
            if cleared is not None:
                cleared.append(name)
            continue
        setattr(message, name, given[name])


def scalars_out(message: Message, names: Iterable[str]) -> dict[str, Any]:
    """Optional proto fields → JSON values, null when unset."""
    return {name: (getattr(message, name) if message.HasField(name) else None) for name in names}
