"""The dev mailbox: an SMTP catcher whose messages a person reads in the browser (`python -m devtools.mailbox`)."""

from devtools.mailbox.sink import SmtpSink
from devtools.mailbox.store import Attachment, MailStore, Message

__all__ = ["Attachment", "MailStore", "Message", "SmtpSink"]
