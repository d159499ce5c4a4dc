"""search words: the words of descriptions, statements and related entities' names

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 12:00:00

Partial matching (docs/search.md) also looks up the words of what the knowledge base
says about an entity besides its names. The rows are derived, so existing data is
backfilled here with the same code the seed and ``kb generate`` use
(``app.search.index.reindex_words``), one batch of entities at a time. If a later
migration changes ``search_word`` or the tables it is derived from, freeze a copy
of that function here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = sa.String(length=500).with_variant(sa.String(length=500, collation="C"), "postgresql")
BATCH = 2000


def upgrade() -> None:
    op.create_table(
        "search_word",
        sa.Column("entity_id", sa.String(length=120), nullable=False),
        sa.Column("token", KEY, nullable=False),
        sa.Column("entity_type", sa.String(length=16), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "field IN ('description', 'statement', 'relation')",
            name=op.f("ck_search_word_field_allowed"),
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entity.id"],
            name=op.f("fk_search_word_entity_id_entity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entity_id", "token", name=op.f("pk_search_word")),
    )
    op.create_index("ix_search_word_token", "search_word", ["token"])

    from app.search.index import reindex_words

    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.text("SELECT id FROM entity ORDER BY id"))]
    for i in range(0, len(ids), BATCH):
        reindex_words(conn, ids[i : i + BATCH])


def downgrade() -> None:
    op.drop_index("ix_search_word_token", table_name="search_word")
    op.drop_table("search_word")
