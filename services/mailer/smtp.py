"""Sending over SMTP with the standard library, in a worker thread."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage

from services.mailer.settings import MailSettings


class SmtpSender:
    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        """The recipients the relay refused (when it accepted at least one)."""
        return await asyncio.to_thread(self._send, message)

    def _send(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout) as smtp:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
            return smtp.send_message(message)
