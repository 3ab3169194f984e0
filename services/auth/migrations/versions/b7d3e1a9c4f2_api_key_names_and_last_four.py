"""api key names and last four characters

Revision ID: b7d3e1a9c4f2
Revises: 2fe336d1c599
Create Date: 2026-11-30 20:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "b7d3e1a9c4f2"
down_revision: str | None = "2fe336d1c599"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("last4", sqlmodel.sql.sqltypes.AutoString(length=4), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("last4")
        batch_op.drop_column("name")
