"""outbox payloads as protobuf bytes, attempts and dead letters

Revision ID: 80851c3555aa
Revises: 4f3e97116f28
Create Date: 2026-11-30 18:45:49.750933
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "80851c3555aa"
down_revision: str | None = "4f3e97116f28"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_ERROR = "written as JSON before events became protobuf messages; not published"


def upgrade() -> None:
    op.create_table(
        "outbox_dead_letters",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("failed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    with op.batch_alter_table("outbox_dead_letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_dead_letters_event_id"), ["event_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_outbox_dead_letters_tenant_id"), ["tenant_id"], unique=False)

    # Events still waiting were written as JSON, which no consumer reads any more: keep them as dead letters.
    bind = op.get_bind()
    pending = bind.execute(sa.text("SELECT event_id, tenant_id, topic, key, payload, created_at FROM outbox_events"))
    dead = sa.table(
        "outbox_dead_letters",
        *(sa.column(name) for name in ("event_id", "tenant_id", "topic", "key", "payload", "size", "attempts")),
        sa.column("error"),
        sa.column("created_at"),
        sa.column("failed_at"),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    for row in pending.mappings().all():
        payload = row["payload"].encode()
        bind.execute(
            dead.insert().values(
                event_id=row["event_id"],
                tenant_id=row["tenant_id"],
                topic=row["topic"],
                key=row["key"],
                payload=payload,
                size=len(payload),
                attempts=0,
                error=JSON_ERROR,
                created_at=row["created_at"],
                failed_at=now,
            )  # fmt: skip
        )
    bind.execute(sa.text("DELETE FROM outbox_events"))

    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch_op.alter_column(
            "payload",
            existing_type=sa.TEXT(),
            type_=sa.LargeBinary(),
            existing_nullable=False,
            postgresql_using="convert_to(payload, 'UTF8')",
        )


def downgrade() -> None:
    op.execute("DELETE FROM outbox_events")  # protobuf payloads cannot go back to JSON
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.alter_column(
            "payload",
            existing_type=sa.LargeBinary(),
            type_=sa.TEXT(),
            existing_nullable=False,
            postgresql_using="encode(payload, 'escape')",
        )
        batch_op.drop_column("last_error")
        batch_op.drop_column("attempts")

    with op.batch_alter_table("outbox_dead_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_dead_letters_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_dead_letters_event_id"))

    op.drop_table("outbox_dead_letters")
