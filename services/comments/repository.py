"""Comments' SQL, scoped by tenant."""

from __future__ import annotations

from portal_kit.repository import TenantRepository
from sqlmodel import col

from services.comments.models import Comment


class CommentRepository(TenantRepository[Comment]):
    model = Comment
    noun = "comment"

    async def thread(self, document_type: str, document_id: int) -> list[Comment]:
        """A document's comments, oldest first."""
        query = (
            self.base()
            .where(col(Comment.document_type) == document_type, col(Comment.document_id) == document_id)
            .order_by(col(Comment.created_at), col(Comment.pk))
        )
        return await self.all(query)
