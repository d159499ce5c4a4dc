"""search names: every name of every entity with spelling-insensitive keys

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 13:47:48

Fuzzy matching needs a trigram index, which each engine provides its own way:
PostgreSQL a GIN index with pg_trgm on ``search_name.key``; SQLite an FTS5 table
with the trigram tokenizer, kept in step with ``search_name`` by triggers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.models.types import PartialDateMatch

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = sa.String(length=500).with_variant(sa.String(length=500, collation="C"), "postgresql")


SQLITE_FTS_TABLE = "CREATE VIRTUAL TABLE search_name_fts USING fts5(key, search_name_id UNINDEXED, tokenize='trigram')"
SQLITE_FTS_TRIGGERS = {
    "search_name_fts_insert": """CREATE TRIGGER search_name_fts_insert AFTER INSERT ON search_name BEGIN
        INSERT INTO search_name_fts (key, search_name_id) VALUES (new.key, new.id);
    END""",
    "search_name_fts_delete": """CREATE TRIGGER search_name_fts_delete AFTER DELETE ON search_name BEGIN
        DELETE FROM search_name_fts WHERE search_name_id = old.id;
    END""",
    "search_name_fts_update": """CREATE TRIGGER search_name_fts_update AFTER UPDATE OF key ON search_name BEGIN
        UPDATE search_name_fts SET key = new.key WHERE search_name_id = old.id;
    END""",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "search_name",
        sa.Column("entity_id", sa.String(length=120), nullable=False),
        sa.Column("entity_type", sa.String(length=16), nullable=False),
        sa.Column("alias_id", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.String(length=10), nullable=True),
        sa.Column("end_date", sa.String(length=10), nullable=True),
        sa.Column("key", KEY, nullable=False),
        sa.Column("sorted_key", KEY, nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.CheckConstraint(
            PartialDateMatch("end_date"), name=op.f("ck_search_name_end_date_partial_date")
        ),
        sa.CheckConstraint(
            PartialDateMatch("start_date"), name=op.f("ck_search_name_start_date_partial_date")
        ),
        sa.ForeignKeyConstraint(
            ["alias_id"],
            ["alias.id"],
            name=op.f("fk_search_name_alias_id_alias"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entity.id"],
            name=op.f("fk_search_name_entity_id_entity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_name")),
    )
    op.create_index(op.f("ix_search_name_alias_id"), "search_name", ["alias_id"])
    op.create_index(op.f("ix_search_name_entity_id"), "search_name", ["entity_id"])
    op.create_index("ix_search_name_key", "search_name", ["key"])
    op.create_index("ix_search_name_sorted_key", "search_name", ["sorted_key"])
    op.create_table(
        "search_token",
        sa.Column("id", sa.String(length=48), nullable=False),
        sa.Column("search_name_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("token", KEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["search_name_id"],
            ["search_name.id"],
            name=op.f("fk_search_token_search_name_id_search_name"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_token")),
    )
    op.create_index(op.f("ix_search_token_search_name_id"), "search_token", ["search_name_id"])
    op.create_index(op.f("ix_search_token_token"), "search_token", ["token"])

    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_search_name_key_trgm",
            "search_name",
            ["key"],
            postgresql_using="gin",
            postgresql_ops={"key": "gin_trgm_ops"},
        )
    elif dialect == "sqlite":
        op.execute(SQLITE_FTS_TABLE)
        for statement in SQLITE_FTS_TRIGGERS.values():
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_FTS_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_name_fts")
    elif dialect == "postgresql":
        op.drop_index("ix_search_name_key_trgm", table_name="search_name")
    op.drop_index(op.f("ix_search_token_token"), table_name="search_token")
    op.drop_index(op.f("ix_search_token_search_name_id"), table_name="search_token")
    op.drop_table("search_token")
    op.drop_index("ix_search_name_sorted_key", table_name="search_name")
    op.drop_index("ix_search_name_key", table_name="search_name")
    op.drop_index(op.f("ix_search_name_entity_id"), table_name="search_name")
    op.drop_index(op.f("ix_search_name_alias_id"), table_name="search_name")
    op.drop_table("search_name")
