"""The SMTP side: an aiosmtpd server (in its own thread) that puts every message into a MailStore."""

from __future__ import annotations

import errno
import logging
import socket

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from devtools.mailbox.store import MailStore, parse_message

log = logging.getLogger(__name__)


class StoreHandler:
    def __init__(self, store: MailStore) -> None:
        self.store = store

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content or b""
        raw = content.encode() if isinstance(content, str) else content
        mail_from = envelope.mail_from or ""
        message = parse_message(raw, mail_from, [str(r) for r in envelope.rcpt_tos])
        self.store.add(message)
        log.info("mail received", extra={"mail_id": message.id, "recipients": len(message.to)})
        return "250 Message accepted"


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def start_smtp(store: MailStore, host: str = "127.0.0.1", port: int = 0) -> tuple[Controller, int]:
    """Start the SMTP server; port 0 picks a free one (Controller(port=0) itself does not work)."""
    if port:
        controller = Controller(StoreHandler(store), hostname=host, port=port)
        controller.start()
        return controller, port
    for attempt in range(3):
        chosen = _free_port(host)
        controller = Controller(StoreHandler(store), hostname=host, port=chosen)
        try:
            controller.start()
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE or attempt == 2:
                raise
            continue  # another process took the port between our probe and the bind
        return controller, chosen
    raise AssertionError("unreachable")
