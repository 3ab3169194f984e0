"""Replies to keyed writes, kept where the writes are: the reply to a keyed write commits in the write's own transaction.

The gateway sends the key and a fingerprint of the HTTP request (method, path, query, body) as call metadata on
every call it makes for that request. A service that keeps replies (`Wiring.replays`) runs each keyed call in one
unit of work that the servicer's own `unit_of_work()` blocks join:

- a reply stored for this key and RPC is returned again (marked replayed in the trailing metadata);
- a key stored with another fingerprint is refused: it was used for a different request;
- otherwise the call runs; if it wrote anything, its reply is stored in the same transaction. A call that fails
  rolls everything back, reply included, so its key is free again; a concurrent call with the same key loses on the
  unique (tenant, key, rpc) row and is told that the request is in progress.

Calls that only read store nothing and are never replayed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, LargeBinary, UniqueConstraint, delete, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from portal_kit.context import current_tenant
from portal_kit.db import Database
from portal_kit.errors import Aborted, InvalidArgument
from portal_kit.idempotency import KEY_PARAM, REPLAYED_METADATA_KEY, Claim
from portal_kit.ids import new_uuid
from portal_kit.timestamps import utcnow

RETENTION = timedelta(hours=24)
MISMATCH = (
    "This Idempotency-Key was used for a different request (another method, path or body). "
    "Use a new key for a new request."
)
IN_PROGRESS = "A request with this Idempotency-Key is still in progress. Retry it in a moment to get its response."


class IdempotentReply(SQLModel, table=True):
    __tablename__ = "idempotent_replies"
    __table_args__ = (UniqueConstraint("tenant_id", "key", "rpc"),)

    id: str = Field(default_factory=new_uuid, primary_key=True, max_length=32)
    tenant_id: str = Field(max_length=64)
    key: str = Field(max_length=64)
    rpc: str = Field(max_length=200)
    fingerprint: str = Field(max_length=64)
    reply: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)


# Whether a unit of work wrote anything: only writes are worth replaying.
WROTE = "portal_kit.idempotency.wrote"


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


def mark_written(session: AsyncSession) -> None:
    """Says that the unit of work wrote, for writes the session cannot see (a `text()` statement, or one run on its
    connection rather than through the session): a keyed call's reply is then stored like any other write's."""
    session.info[WROTE] = True


async def run_once(
    db: Database, claim: Claim, rpc: str, call: Callable[[], Awaitable[Any]], set_trailing: Callable[[Any], None]
) -> Any:
    """Runs `call` (a servicer method) at most once per tenant, key and RPC; see the module docstring. Returns the
    reply, or the stored reply's bytes."""
    tenant = current_tenant()
    async with db.ambient_unit_of_work() as session:
        stored = (
            await session.exec(
                select(IdempotentReply).where(
                    col(IdempotentReply.tenant_id) == tenant,
                    col(IdempotentReply.key) == claim.key,
                    col(IdempotentReply.created_at) > utcnow() - RETENTION,
                )
            )
        ).all()
        if any(row.fingerprint != claim.fingerprint for row in stored):
            raise InvalidArgument(MISMATCH, KEY_PARAM)
        for row in stored:
            if row.rpc == rpc:
                set_trailing(((REPLAYED_METADATA_KEY, "true"),))
                return bytes(row.reply)
        session.info[WROTE] = False
        reply = await call()
        if session.info.get(WROTE):
            await _forget_expired(session, tenant)
            session.add(
                IdempotentReply(
                    tenant_id=tenant, key=claim.key, rpc=rpc, fingerprint=claim.fingerprint,
                    reply=reply.SerializeToString(),
                )
            )  # fmt: skip
            try:
                await session.flush()  # a concurrent call with this key committed first: its row is there
            except IntegrityError:
                raise Aborted(IN_PROGRESS, KEY_PARAM) from None
        return reply


async def _forget_expired(session: AsyncSession, tenant: str) -> None:
    """Expired replies no longer count (their keys may be used again); each stored reply sweeps its tenant's, so
    services without a purge loop stay small. A reply still in its window is never deleted here: a concurrent
    call's reply must make this one fail."""
    await session.exec(
        delete(IdempotentReply).where(
            col(IdempotentReply.tenant_id) == tenant, col(IdempotentReply.created_at) <= utcnow() - RETENTION
        )  # type: ignore[call-overload]  # sqlmodel's exec() is typed for SELECT only; DELETE works
    )


async def purge(session: AsyncSession, now: datetime) -> int:
    """Deletes every expired reply, of every tenant; the number deleted."""
    result = await session.exec(
        delete(IdempotentReply).where(col(IdempotentReply.created_at) <= now - RETENTION)  # type: ignore[call-overload]  # exec() typed for SELECT only
    )
    return int(result.rowcount)
