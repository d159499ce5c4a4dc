"""curation: API keys, idempotent responses, tombstones, and curated_by on every owned row

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:33:43

Only additions: existing rows keep their values (``curated_by`` starts NULL: nothing
has been curated through the API yet). SQLite adds the columns with ALTER TABLE, no
table rebuild. See docs/architecture.md, "Curation".
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy: every table whose rows record their origin (app.models.base.OwnedMixin).
OWNED_TABLES = (
    "alias",
    "citation",
    "claim",
    "entity",
    "event_figure",
    "event_place",
    "membership",
    "participation",
    "relation",
    "source",
    "statement",
)


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "scope IN ('read', 'write', 'admin')", name=op.f("ck_api_key_scope_allowed")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("name", name=op.f("uq_api_key_name")),
    )
    op.create_table(
        "idempotent_response",
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("actor", "key", name=op.f("pk_idempotent_response")),
    )
    op.create_table(
        "tombstone",
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("natural_key", sa.String(length=400), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "table_name", "document_id", "natural_key", name=op.f("pk_tombstone")
        ),
    )
    for table in OWNED_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("curated_by", sa.String(length=120), nullable=True))


def downgrade() -> None:
    for table in reversed(OWNED_TABLES):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("curated_by")
    op.drop_table("tombstone")
    op.drop_table("idempotent_response")
    op.drop_table("api_key")
