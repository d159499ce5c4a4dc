"""list indexes: entities by type and id; events by their period

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 00:00:00

``(type, id)`` lets a typed list sorted by id (the default) walk one index; with only
``(type, name)`` and the primary key, SQLite read the entity rows in id order and
skipped every other type (21 ms a page of organisations at 100k entities).
``(start_date, end_date)`` holds both bounds of an event's period, so a period filter
and its count are answered from the index (7 ms to 2 ms for a three-year range at
100k); it replaces the index on ``start_date`` alone, its prefix. See
docs/performance.md.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_entity_type_id", "entity", ["type", "id"])
    op.create_index("ix_event_start_date_end_date", "event", ["start_date", "end_date"])
    op.drop_index("ix_event_start_date", table_name="event")


def downgrade() -> None:
    op.create_index("ix_event_start_date", "event", ["start_date"])
    op.drop_index("ix_event_start_date_end_date", table_name="event")
    op.drop_index("ix_entity_type_id", table_name="entity")
