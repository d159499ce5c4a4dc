"""stored bodies: each entity's current body as served, and the format they were built in

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 00:00:00

Derived data, like the search tables: the tables start empty and start-up (``kb
serve``, ``kb seed``, ``kb migrate``) fills them from the entities in one transaction.
See docs/architecture.md, "Reading".
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "entity_body",
        sa.Column("entity_id", sa.String(length=120), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entity.id"],
            name=op.f("fk_entity_body_entity_id_entity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_entity_body")),
    )
    op.create_table(
        "entity_body_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=64), nullable=False),
        sa.Column("entities", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entity_body_state")),
    )


def downgrade() -> None:
    op.drop_table("entity_body_state")
    op.drop_table("entity_body")
