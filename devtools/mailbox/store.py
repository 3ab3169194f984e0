"""Received messages, parsed and kept in memory (thread-safe: the SMTP server runs in its own thread)."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class Message:
    id: str
    received_at: datetime
    sender: str
    to: list[str]
    subject: str
    text: str | None
    html: str | None
    attachments: list[Attachment] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    raw: bytes = b""


def _body(msg: EmailMessage, subtype: str) -> str | None:
    part = msg.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # unknown or lying charset: show what we can
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else None
    return content if isinstance(content, str) else None


def _attachments(msg: EmailMessage) -> list[Attachment]:
    found = []
    for index, part in enumerate(msg.iter_attachments()):
        payload = part.get_payload(decode=True)
        found.append(
            Attachment(
                filename=part.get_filename() or f"attachment-{index + 1}",
                content_type=part.get_content_type(),
                content=payload if isinstance(payload, bytes) else b"",
            )
        )
    return found


def parse_message(raw: bytes, mail_from: str = "", rcpt_tos: list[str] | None = None) -> Message:
    """Parse raw RFC 5322 bytes; `rcpt_tos` (the SMTP envelope, which includes Bcc) wins over the To header."""
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    to = list(rcpt_tos or []) or [a.strip() for a in str(msg.get("To", "")).split(",") if a.strip()]
    return Message(
        id=secrets.token_hex(8),
        received_at=datetime.now(UTC),
        sender=str(msg.get("From", "")) or mail_from,
        to=to,
        subject=str(msg.get("Subject", "")),
        text=_body(msg, "plain"),
        html=_body(msg, "html"),
        attachments=_attachments(msg),
        headers=[(k, str(v)) for k, v in msg.items()],
        raw=raw,
    )


class MailStore:
    def __init__(self) -> None:
        self._messages: list[Message] = []
        self._changed = threading.Condition()

    def add(self, message: Message) -> None:
        with self._changed:
            self._messages.append(message)
            self._changed.notify_all()

    def messages(self) -> list[Message]:
        """All messages, oldest first."""
        with self._changed:
            return list(self._messages)

    def get(self, message_id: str) -> Message | None:
        with self._changed:
            return next((m for m in self._messages if m.id == message_id), None)

    def clear(self) -> int:
        with self._changed:
            count = len(self._messages)
            self._messages.clear()
            return count

    def wait_for(
        self, predicate: Callable[[Message], bool] = lambda _: True, timeout: float = 10.0, count: int = 1
    ) -> list[Message]:
        """Block until at least `count` messages match `predicate`; return all that match (oldest first)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                matching = [m for m in self._messages if predicate(m)]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"{len(matching)} of {count} expected messages after {timeout:.0f}s "
                        f"({len(self._messages)} received in all)"
                    )
                self._changed.wait(remaining)
