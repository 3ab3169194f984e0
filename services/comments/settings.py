"""The comments service's settings (see portal_kit.settings for the shared ones)."""

from __future__ import annotations

from typing import ClassVar

from portal_kit.settings import ServiceSettings
from pydantic import Field


class CommentsSettings(ServiceSettings):
    service_name: ClassVar[str] = "comments"
    default_grpc_port: ClassVar[int] = 50054

    # PORTAL_COMMENT_LIMIT_PER_MINUTE / _PER_HOUR: a customer's comments across one business's documents.
    comment_limit_per_minute: int = Field(default=5, ge=1, le=1000)
    comment_limit_per_hour: int = Field(default=30, ge=1, le=10000)
