"""SQL for comparing partial ISO dates as periods, identical on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, literal


def sql_period_start(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """``2011`` -> ``2011-01-01``, ``2011-12`` -> ``2011-12-01``, full dates unchanged."""
    return case(
        (func.length(column) == 4, column + literal("-01-01")),
        (func.length(column) == 7, column + literal("-01")),
        else_=column,
    )


def sql_period_end(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """``2011`` -> ``2011-12-31``, ``2011-02`` -> ``2011-02-31``: as a sort key the day 31
    compares after every real day of the month, which is all a range test needs."""
    return case(
        (func.length(column) == 4, column + literal("-12-31")),
        (func.length(column) == 7, column + literal("-31")),
        else_=column,
    )
