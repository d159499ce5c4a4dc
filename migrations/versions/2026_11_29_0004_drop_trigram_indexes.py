"""drop the trigram indexes: fuzzy search now goes through the word vocabulary

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 14:45:00

Measured at a million entities, whole-key trigram candidates (FTS5 on SQLite,
pg_trgm on PostgreSQL) took seconds for names made of common words, because every
common trigram's posting list had to be ranked. Fuzzy matching now compares query
words with the vocabulary of name words and looks candidates up through the B-tree
on search_token.token (see docs/search.md), so these indexes are dead weight.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = ("search_name_fts_insert", "search_name_fts_delete", "search_name_fts_update")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_name_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_name_key_trgm")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE search_name_fts USING fts5(key, search_name_id UNINDEXED, "
            "tokenize='trigram')"
        )
        op.execute(
            "INSERT INTO search_name_fts (key, search_name_id) SELECT key, id FROM search_name"
        )
        op.execute(
            """CREATE TRIGGER search_name_fts_insert AFTER INSERT ON search_name BEGIN
            INSERT INTO search_name_fts (key, search_name_id) VALUES (new.key, new.id);
        END"""
        )
        op.execute(
            """CREATE TRIGGER search_name_fts_delete AFTER DELETE ON search_name BEGIN
            DELETE FROM search_name_fts WHERE search_name_id = old.id;
        END"""
        )
        op.execute(
            """CREATE TRIGGER search_name_fts_update AFTER UPDATE OF key ON search_name BEGIN
            UPDATE search_name_fts SET key = new.key WHERE search_name_id = old.id;
        END"""
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE INDEX ix_search_name_key_trgm ON search_name USING gin (key gin_trgm_ops)"
        )
