"""TenantRepository: reads, updates and deletes never reach another tenant's rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData
from sqlmodel import Field, SQLModel, col, select

from portal_kit.context import bound
from portal_kit.db import Database
from portal_kit.errors import AlreadyExists, NotFound
from portal_kit.repository import TenantRepository


class IsolatedModel(SQLModel):
    """Keeps the test table out of SQLModel.metadata, which the services' migrations are compared with."""

    metadata = MetaData()


class Note(IsolatedModel, table=True):
    __tablename__ = "repository_test_notes"

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(unique=True)
    text: str


class NoteRepository(TenantRepository[Note]):
    model = Note
    noun = "note"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/notes.db")
    async with database.engine.begin() as connection:
        await connection.run_sync(IsolatedModel.metadata.create_all)
    for tenant, ids in (("tenant-a", (1, 2)), ("tenant-b", (3, 4))):
        with bound(tenant):
            async with database.unit_of_work() as session:
                for note_id in ids:
                    await NoteRepository(session).add(Note(tenant_id="", id=note_id, text="draft"))
    yield database
    await database.dispose()


async def texts(db: Database) -> dict[int, str]:
    async with db.unit_of_work() as session:
        rows = (await session.exec(select(Note))).all()  # every tenant's rows: looks behind the repository
    return {row.id: row.text for row in rows}


async def test_update_and_delete_touch_only_the_current_tenant(db: Database) -> None:
    with bound("tenant-a"):
        async with db.unit_of_work() as session:
            notes = NoteRepository(session)
            assert await notes.update(values={"text": "final"}) == 2
            assert await notes.update(col(Note.id) == 3, values={"text": "stolen"}) == 0
            assert await notes.delete(col(Note.id) == 4) == 0
            assert await notes.count() == 2
            assert await notes.delete(col(Note.id) == 2) == 1
    assert await texts(db) == {1: "final", 3: "draft", 4: "draft"}


async def test_another_tenants_object_reads_as_missing_and_cannot_be_saved_or_discarded(db: Database) -> None:
    with bound("tenant-b"):
        async with db.unit_of_work() as session:
            theirs = await NoteRepository(session).get(3)
    with bound("tenant-a"):
        async with db.unit_of_work() as session:
            notes = NoteRepository(session)
            with pytest.raises(NotFound):
                await notes.get(3)
            theirs.text = "changed"
            with pytest.raises(NotFound):
                await notes.save(theirs)
            with pytest.raises(NotFound):
                await notes.discard(theirs)
    assert (await texts(db))[3] == "draft"


async def test_unique_turns_a_lost_race_into_the_given_refusal(db: Database) -> None:
    with bound("tenant-a"):
        async with db.unit_of_work() as session:
            notes = NoteRepository(session)
            refusal = AlreadyExists("Note 1 exists.", "id")
            with pytest.raises(AlreadyExists):
                async with notes.unique(lambda: notes.exists(col(Note.id) == 1), refusal):
                    await notes.add(Note(tenant_id="", id=1, text="duplicate"))
            # The savepoint was rolled back: the transaction goes on.
            await notes.add(Note(tenant_id="", id=5, text="next"))
    assert (await texts(db))[5] == "next"
