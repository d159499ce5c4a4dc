"""Portable column checks: the same constraint expressed in each dialect's own terms."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, ColumnElement
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import Boolean

from app.core.dates import PARTIAL_DATE_PATTERN


class PartialDateMatch(ColumnElement[bool]):
    """``column`` is NULL or a partial ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD)."""

    inherit_cache = True
    type = Boolean()

    def __init__(self, column: str) -> None:
        self.column = column


@compiles(PartialDateMatch, "postgresql")
def _partial_date_postgresql(element: PartialDateMatch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{element.column} ~ '{PARTIAL_DATE_PATTERN}'"


@compiles(PartialDateMatch)
def _partial_date_default(element: PartialDateMatch, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite has no regular expressions; GLOB character classes check the shape,
    # and the seed's Pydantic validation checks the calendar.
    year = "[0-9][0-9][0-9][0-9]"
    col = element.column
    return (
        f"({col} GLOB '{year}' OR {col} GLOB '{year}-[01][0-9]'"
        f" OR {col} GLOB '{year}-[01][0-9]-[0-3][0-9]')"
    )


def partial_date_check(column: str) -> CheckConstraint:
    return CheckConstraint(PartialDateMatch(column), name=f"{column}_partial_date")


def one_of_check(column: str, values: tuple[str, ...], name: str | None = None) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name or f"{column}_allowed")
