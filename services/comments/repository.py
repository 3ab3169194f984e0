from __future__ import annotations

from portal_kit.repository import TenantRepository

from services.comments.models import Comment


class CommentRepository(TenantRepository[Comment]):
    model = Comment
    noun = "comment"
