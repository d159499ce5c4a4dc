"""search index state: the format version of the search tables

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 09:00:00

One row, written by start-up (``kb serve``, ``kb seed``, ``kb migrate``) after it
rebuilds every entity's search rows. The table starts empty: a database made before
it, whose search tables may be empty (seeded before 0002) or built by older code, is
rebuilt in full at the next start. See docs/architecture.md, "Start-up and migrations".
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_index",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("entities", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_index")),
    )


def downgrade() -> None:
    op.drop_table("search_index")
