"""TenantRepository: reads, updates and deletes never reach another tenant's rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData, bindparam
from sqlalchemy import select as core_select
from sqlmodel import Field, SQLModel, col, select

from portal_kit.context import bound
from portal_kit.db import Database
from portal_kit.errors import AlreadyExists, NotFound
from portal_kit.reads import tenant_scope
from portal_kit.repository import (
    TenantRepository,
    adopt,
    bound_insert,
    bound_values,
    column_values,
    insert_columns,
    new_row,
    table_of,
)


class IsolatedModel(SQLModel):
    """Keeps the test table out of SQLModel.metadata, which the services' migrations are compared with."""

    metadata = MetaData()


class Note(IsolatedModel, table=True):
    __tablename__ = "repository_test_notes"

    pk: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64)
    id: int = Field(unique=True)
    text: str
    pinned: bool = False
    tags: str = Field(default_factory=lambda: "[]")


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


async def test_a_statement_built_once_is_scoped_by_the_tenant_it_runs_for(db: Database) -> None:
    notes = table_of(Note)
    query = core_select(notes.c.id).where(tenant_scope(notes), notes.c.text == bindparam("text"))
    for tenant, expected in (("tenant-a", [1, 2]), ("tenant-b", [3, 4])):
        with bound(tenant):
            async with db.unit_of_work() as session:
                found = (await NoteRepository(session).execute_bound(query, text="draft")).scalars().all()
        assert sorted(found) == expected


def test_new_row_is_the_object_the_constructor_makes() -> None:
    built, constructed = new_row(Note, tenant_id="t", id=9, text="x"), Note(tenant_id="t", id=9, text="x")
    assert built.model_dump() == constructed.model_dump()
    assert built.model_fields_set == constructed.model_fields_set == {"tenant_id", "id", "text"}
    assert new_row(Note, tenant_id="t", id=9, text="x", pinned=True).pinned
    assert built.tags == "[]" and built.pk is None
    with pytest.raises(TypeError):
        new_row(Note, tenant_id="t", id=9, text="x", colour="red")
    with pytest.raises(TypeError):
        new_row(Note, tenant_id="t", id=9)


async def test_a_new_row_written_with_core_and_adopted_is_saved_like_a_loaded_one(db: Database) -> None:
    with bound("tenant-a"):
        async with db.unit_of_work() as session:
            note = new_row(Note, tenant_id="tenant-a", id=7, text="core")
            statement = bound_insert(table_of(Note), insert_columns(table_of(Note))).returning(table_of(Note).c.pk)
            assert set(column_values(note)) == set(insert_columns(table_of(Note))) and "pk" not in column_values(note)
            pk = (await session.execute(statement, bound_values("", column_values(note)))).scalar_one()
            adopt(session, note, pk=pk)
            note.text = "changed after"
            await NoteRepository(session).save(note)
        async with db.unit_of_work() as session:
            ormed = new_row(Note, tenant_id="", id=8, text="orm")
            await NoteRepository(session).add(ormed)  # a new_row goes through the ORM's flush as well
    assert (await texts(db))[7] == "changed after" and (await texts(db))[8] == "orm"
