"""The mailer's own tables: only the kit's record of handled events, so a re-delivered request is sent once."""

from portal_kit.consumer import ProcessedEvent

__all__ = ["ProcessedEvent"]
