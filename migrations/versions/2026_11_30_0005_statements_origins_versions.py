"""Statements, origins (documents), natural keys, versions and the change log.

Existing rows are kept. Rows the article's seed made (those citing the article or
its references, not the generator's synthetic ones) are marked as owned by the
article's document and get their natural keys, so the next ``kb seed`` matches
them and keeps their ids. Entity types gain ``concept``, languages ``und-*``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 06:53:07.179511
"""

import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The one portable check that differs per dialect (regex on PostgreSQL, GLOB on SQLite).
from app.models.types import PartialDateMatch

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies (a migration must not change when the app's vocabularies do).
OLD_ENTITY_TYPES = ("organisation", "person", "event", "place")
ENTITY_TYPES = (*OLD_ENTITY_TYPES, "concept")
OLD_LANGS = ("en", "kk-Cyrl", "kk-Latn", "ru-Cyrl", "ru-Latn", "uk-Cyrl", "uk-Latn")
LANGS = (*OLD_LANGS, "und-Cyrl", "und-Latn")
SOURCE_FACT_COLUMNS = (
    "entity_id",
    "alias_id",
    "membership_id",
    "relation_id",
    "participation_id",
    "event_place_id",
    "event_figure_id",
    "claim_id",
    "statement_id",
)
ARTICLE_DOCUMENT = "article-socialist-movement-of-kazakhstan"
ARTICLE_TITLE = "Socialist Movement of Kazakhstan"
FIRST_SYNTHETIC_REFERENCE = 100
MAX_KEY_LENGTH = 400
# table -> the columns of its natural key, in order (app.seed.rows at this revision).
NATURAL_KEYS = {
    "alias": ("entity_id", "lang", "kind", "name"),
    "membership": ("person_id", "organisation_id", "role"),
    "relation": ("subject_id", "relation", "object_id"),
    "participation": ("event_id", "entity_id", "role"),
    "event_place": ("event_id", "place_id"),
    "event_figure": ("event_id", "measure"),
    "claim": ("entity_id", "field", "value"),
}


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _one_fact(columns: tuple[str, ...]) -> str:
    return " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in columns) + " = 1"


def _digest(*parts: object) -> str:
    return hashlib.sha1(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def _natural_key(*parts: object) -> str:
    key = "|".join("" if p is None else str(p) for p in parts)
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return f"{key[: MAX_KEY_LENGTH - 41]}#{_digest(key)}"


def _backfill_ownership(bind: sa.Connection) -> None:
    """Mark the article seed's rows as owned by the article's document, with keys."""
    has_rows = bind.execute(sa.text("SELECT 1 FROM citation LIMIT 1")).first()
    if has_rows is None:
        return
    bind.execute(
        sa.text(
            "INSERT INTO document (id, title, fingerprint, seeded_at) "
            "VALUES (:id, :title, '', CURRENT_TIMESTAMP)"
        ),
        {"id": ARTICLE_DOCUMENT, "title": ARTICLE_TITLE},
    )
    params = {"doc": ARTICLE_DOCUMENT, "first": FIRST_SYNTHETIC_REFERENCE}
    bind.execute(
        sa.text("UPDATE citation SET document_id = :doc WHERE number IS NULL OR number < :first"),
        params,
    )
    owned_citations = "SELECT id FROM citation WHERE document_id = :doc"
    bind.execute(
        sa.text(f"UPDATE source SET document_id = :doc WHERE citation_id IN ({owned_citations})"),
        params,
    )
    owned = "SELECT {column} FROM source WHERE document_id = :doc AND {column} IS NOT NULL"
    bind.execute(
        sa.text(
            f"UPDATE entity SET document_id = :doc WHERE id IN ({owned.format(column='entity_id')})"
        ),
        params,
    )
    fact_keys: dict[str, tuple[str, str]] = {}
    for table, columns in NATURAL_KEYS.items():
        column = "event_figure_id" if table == "event_figure" else f"{table}_id"
        bind.execute(
            sa.text(
                f"UPDATE {table} SET document_id = :doc WHERE id IN ({owned.format(column=column)})"
            ),
            params,
        )
        rows = bind.execute(
            sa.text(f"SELECT id, {', '.join(columns)} FROM {table} WHERE document_id = :doc"),
            params,
        ).all()
        updates = [{"id": row[0], "key": _natural_key(*row[1:])} for row in rows]
        if updates:
            bind.execute(sa.text(f"UPDATE {table} SET natural_key = :key WHERE id = :id"), updates)
        fact_keys |= {u["id"]: (table, u["key"]) for u in updates}
    sources = bind.execute(
        sa.text(
            f"SELECT id, citation_id, quote, {', '.join(SOURCE_FACT_COLUMNS[:-1])} "
            "FROM source WHERE document_id = :doc"
        ),
        params,
    ).all()
    updates = []
    for row in sources:
        target = next(v for v in row[3:] if v is not None)
        if row[3] is not None:
            table, fact_key = "entity", str(target)
        else:
            table, fact_key = fact_keys[target]
        updates.append({"id": row[0], "key": _digest(table, fact_key, row[1], row[2])})
    if updates:
        bind.execute(sa.text("UPDATE source SET natural_key = :key WHERE id = :id"), updates)


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "change",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entity_id", sa.String(length=120), nullable=False),
        sa.Column("entity_type", sa.String(length=16), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("patch", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "op IN ('create', 'update', 'delete')", name=op.f("ck_change_op_allowed")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change")),
    )
    with op.batch_alter_table("change", schema=None) as batch_op:
        batch_op.create_index("ix_change_entity_id_version", ["entity_id", "version"], unique=True)

    op.create_table(
        "concept",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("classification", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["id"], ["entity.id"], name=op.f("fk_concept_id_entity"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concept")),
    )
    op.create_table(
        "document",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("seeded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
    )
    op.create_table(
        "statement",
        sa.Column("subject_id", sa.String(length=120), nullable=False),
        sa.Column("property", sa.String(length=64), nullable=False),
        sa.Column("value_type", sa.String(length=16), nullable=False),
        sa.Column("value_entity_id", sa.String(length=120), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("value_lang", sa.String(length=16), nullable=True),
        sa.Column("value_date", sa.String(length=10), nullable=True),
        sa.Column("value_amount", sa.Float(), nullable=True),
        sa.Column("value_unit", sa.String(length=50), nullable=True),
        sa.Column("start_date", sa.String(length=10), nullable=True),
        sa.Column("end_date", sa.String(length=10), nullable=True),
        sa.Column("qualifier", sa.String(length=32), nullable=True),
        sa.Column("inferred", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("natural_key", sa.String(length=400), nullable=True),
        sa.Column("document_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            PartialDateMatch("end_date"),
            name=op.f("ck_statement_end_date_partial_date"),
        ),
        sa.CheckConstraint(
            PartialDateMatch("start_date"),
            name=op.f("ck_statement_start_date_partial_date"),
        ),
        sa.CheckConstraint(
            PartialDateMatch("value_date"),
            name=op.f("ck_statement_value_date_partial_date"),
        ),
        sa.CheckConstraint(
            "(value_type = 'entity' AND value_entity_id IS NOT NULL AND value_text IS NULL AND value_date IS NULL AND value_amount IS NULL) OR (value_type = 'text' AND value_text IS NOT NULL AND value_entity_id IS NULL AND value_date IS NULL AND value_amount IS NULL) OR (value_type = 'date' AND value_date IS NOT NULL AND value_entity_id IS NULL AND value_text IS NULL AND value_amount IS NULL) OR (value_type = 'quantity' AND value_amount IS NOT NULL AND value_entity_id IS NULL AND value_text IS NULL AND value_date IS NULL)",
            name=op.f("ck_statement_value_shape"),
        ),
        sa.CheckConstraint(
            "property IN ('ideology', 'legal_status', 'policy', 'demand', 'programme', 'occupation', 'nationality', 'position_held', 'career_status', 'residence', 'faced', 'active_in', 'cause', 'outcome', 'annual_date', 'inception', 'existence_status', 'announced', 'characteristic', 'borders', 'reported_by')",
            name=op.f("ck_statement_property_allowed"),
        ),
        sa.CheckConstraint(
            "qualifier IN ('former', 'reportedly', 'attributed', 'in_part', 'planned', 'claimed', 'more_than', 'at_least', 'about')",
            name=op.f("ck_statement_qualifier_allowed"),
        ),
        sa.CheckConstraint(
            "value_lang IN ('en', 'kk-Cyrl', 'kk-Latn', 'ru-Cyrl', 'ru-Latn', 'uk-Cyrl', 'uk-Latn', 'und-Cyrl', 'und-Latn')",
            name=op.f("ck_statement_value_lang_allowed"),
        ),
        sa.CheckConstraint(
            "value_type IN ('entity', 'text', 'date', 'quantity')",
            name=op.f("ck_statement_value_type_allowed"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_statement_document_id_document"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["entity.id"],
            name=op.f("fk_statement_subject_id_entity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["value_entity_id"],
            ["entity.id"],
            name=op.f("fk_statement_value_entity_id_entity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement")),
        sa.UniqueConstraint(
            "document_id", "natural_key", name=op.f("uq_statement_document_id_natural_key")
        ),
    )
    with op.batch_alter_table("statement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statement_document_id"), ["document_id"], unique=False)
        batch_op.create_index(
            "ix_statement_property_subject_id", ["property", "subject_id"], unique=False
        )
        batch_op.create_index(
            "ix_statement_property_value_text", ["property", "value_text"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_statement_subject_id"), ["subject_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_statement_value_entity_id"), ["value_entity_id"], unique=False
        )

    with op.batch_alter_table("alias", schema=None) as batch_op:
        batch_op.add_column(sa.Column("natural_key", sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column("document_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_alias_document_id"), ["document_id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_alias_document_id_natural_key"), ["document_id", "natural_key"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_alias_document_id_document"),
            "document",
            ["document_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("citation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_citation_document_id"), ["document_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_citation_document_id_document"),
            "document",
            ["document_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.add_column(sa.Column("natural_key", sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column("document_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_claim_document_id"), ["document_id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_claim_document_id_natural_key"), ["document_id", "natural_key"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_claim_document_id_document"),
            "document",
            ["document_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("dataset_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), server_default="0", nullable=False))

    with op.batch_alter_table("entity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(
            sa.Column(
                "updated_at",
                sa.DateTime(timezone=True),
                server_default=sa.text("(CURRENT_TIMESTAMP)"),
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("document_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_entity_document_id"), ["document_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_entity_document_id_document"),
            "document",
            ["document_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("event_figure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("according_to", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("inferred", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("natural_key", sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column("document_id", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_event_figure_document_id"), ["document_id"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_event_figure_document_id_natural_key"), ["document_id", "natural_key"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_event_figure_document_id_document"),
            "document",
            ["document_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("event_place", schema=None) as batch_op:
        batch_op.add_column(sa.Column("natural_key", sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column("document_id", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_event_place_document_id"), ["document_id"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_event_place_document_id_natural_key"), ["document_id", "natural_key"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_event_place_document_id_document"),
            "document",
            ["document_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("inferred", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("natural_key", sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column("document_id", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_membership_document_id"), ["document_id"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_membership_document_id_natural_key"), ["document_id", "natural_key"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_membership_document_id_document"),
            "document",
            ["document_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("participation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("inferred", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("natural_key", sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column("document_id", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_participation_document_id"), ["document_id"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_participation_document_id_natural_key"), ["document_id", "natural_key"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_participation_document_id_document"),
            "document",
            ["document_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("relation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("inferred", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("natural_key", sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column("document_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_relation_document_id"), ["document_id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_relation_document_id_natural_key"), ["document_id", "natural_key"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_relation_document_id_document"),
            "document",
            ["document_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("statement_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("natural_key", sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column("document_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_source_document_id"), ["document_id"], unique=False)
        batch_op.create_index(
            "ix_source_statement_id",
            ["statement_id"],
            unique=False,
            sqlite_where=sa.text("statement_id IS NOT NULL"),
            postgresql_where=sa.text("statement_id IS NOT NULL"),
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_source_document_id_natural_key"), ["document_id", "natural_key"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_source_document_id_document"),
            "document",
            ["document_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_source_statement_id_statement"),
            "statement",
            ["statement_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_constraint(op.f("ck_source_exactly_one_fact"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_source_exactly_one_fact"), _one_fact(SOURCE_FACT_COLUMNS)
        )

    with op.batch_alter_table("entity", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_entity_type_allowed"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_entity_type_allowed"), _one_of("type", ENTITY_TYPES)
        )
    with op.batch_alter_table("alias", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_alias_lang_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_alias_lang_allowed"), _one_of("lang", LANGS))

    _backfill_ownership(op.get_bind())


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM source WHERE statement_id IS NOT NULL"))
    bind.execute(sa.text("DELETE FROM entity WHERE type = 'concept'"))
    bind.execute(sa.text("UPDATE alias SET lang = 'en' WHERE lang LIKE 'und-%'"))
    with op.batch_alter_table("alias", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_alias_lang_allowed"), type_="check")
        batch_op.create_check_constraint(op.f("ck_alias_lang_allowed"), _one_of("lang", OLD_LANGS))
    with op.batch_alter_table("entity", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_entity_type_allowed"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_entity_type_allowed"), _one_of("type", OLD_ENTITY_TYPES)
        )
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_source_exactly_one_fact"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_source_exactly_one_fact"), _one_fact(SOURCE_FACT_COLUMNS[:-1])
        )
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_source_statement_id_statement"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_source_document_id_document"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_source_document_id_natural_key"), type_="unique")
        batch_op.drop_index(
            "ix_source_statement_id",
            sqlite_where=sa.text("statement_id IS NOT NULL"),
            postgresql_where=sa.text("statement_id IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_source_document_id"))
        batch_op.drop_column("document_id")
        batch_op.drop_column("natural_key")
        batch_op.drop_column("statement_id")

    with op.batch_alter_table("relation", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_relation_document_id_document"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_relation_document_id_natural_key"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_relation_document_id"))
        batch_op.drop_column("document_id")
        batch_op.drop_column("natural_key")
        batch_op.drop_column("inferred")

    with op.batch_alter_table("participation", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_participation_document_id_document"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_participation_document_id_natural_key"), type_="unique"
        )
        batch_op.drop_index(batch_op.f("ix_participation_document_id"))
        batch_op.drop_column("document_id")
        batch_op.drop_column("natural_key")
        batch_op.drop_column("inferred")

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_membership_document_id_document"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_membership_document_id_natural_key"), type_="unique"
        )
        batch_op.drop_index(batch_op.f("ix_membership_document_id"))
        batch_op.drop_column("document_id")
        batch_op.drop_column("natural_key")
        batch_op.drop_column("inferred")

    with op.batch_alter_table("event_place", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_event_place_document_id_document"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_event_place_document_id_natural_key"), type_="unique"
        )
        batch_op.drop_index(batch_op.f("ix_event_place_document_id"))
        batch_op.drop_column("document_id")
        batch_op.drop_column("natural_key")

    with op.batch_alter_table("event_figure", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_event_figure_document_id_document"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_event_figure_document_id_natural_key"), type_="unique"
        )
        batch_op.drop_index(batch_op.f("ix_event_figure_document_id"))
        batch_op.drop_column("document_id")
        batch_op.drop_column("natural_key")
        batch_op.drop_column("inferred")
        batch_op.drop_column("according_to")

    with op.batch_alter_table("entity", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_entity_document_id_document"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_entity_document_id"))
        batch_op.drop_column("document_id")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("version")

    with op.batch_alter_table("dataset_revision", schema=None) as batch_op:
        batch_op.drop_column("seq")

    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_claim_document_id_document"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_claim_document_id_natural_key"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_claim_document_id"))
        batch_op.drop_column("document_id")
        batch_op.drop_column("natural_key")

    with op.batch_alter_table("citation", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_citation_document_id_document"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_citation_document_id"))
        batch_op.drop_column("document_id")

    with op.batch_alter_table("alias", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alias_document_id_document"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_alias_document_id_natural_key"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_alias_document_id"))
        batch_op.drop_column("document_id")
        batch_op.drop_column("natural_key")

    with op.batch_alter_table("statement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_value_entity_id"))
        batch_op.drop_index(batch_op.f("ix_statement_subject_id"))
        batch_op.drop_index("ix_statement_property_value_text")
        batch_op.drop_index("ix_statement_property_subject_id")
        batch_op.drop_index(batch_op.f("ix_statement_document_id"))

    op.drop_table("statement")
    op.drop_table("concept")
    op.drop_table("document")
    with op.batch_alter_table("change", schema=None) as batch_op:
        batch_op.drop_index("ix_change_entity_id_version")

    op.drop_table("change")
    # ### end Alembic commands ###
