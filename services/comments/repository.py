"""Comments' SQL, scoped by tenant."""

from __future__ import annotations

from datetime import datetime

from portal_kit.errors import AlreadyExists
from portal_kit.repository import TenantRepository
from sqlmodel import col

from services.comments.models import Comment, CommentSettings, Thread


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

    async def by_customer_since(self, customer_id: int, since: datetime) -> int:
        return await self.count(col(Comment.customer_id) == customer_id, col(Comment.created_at) >= since)


class ThreadRepository(TenantRepository[Thread]):
    model = Thread
    noun = "comment thread"

    async def of_document(self, document_type: str, document_id: int, lock: bool = False) -> Thread | None:
        query = self.base().where(col(Thread.document_type) == document_type, col(Thread.document_id) == document_id)
        if lock:
            query = query.with_for_update()
        return await self.first(query)

    async def create_once(self, thread: Thread) -> Thread:
        """Adds the thread; a concurrent first comment on the same document finds the other's row instead."""

        async def taken() -> bool:
            return await self.of_document(thread.document_type, thread.document_id) is not None

        try:
            async with self.unique(taken, _ThreadExists("thread exists")):
                return await self.add(thread)
        except _ThreadExists:
            found = await self.of_document(thread.document_type, thread.document_id, lock=True)
            assert found is not None
            return found


class _ThreadExists(AlreadyExists):
    """A concurrent first comment created the thread."""


class CommentSettingsRepository(TenantRepository[CommentSettings]):
    model = CommentSettings
    noun = "comment settings"

    async def current(self) -> CommentSettings | None:
        return await self.first(self.base())
