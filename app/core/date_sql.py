"""SQL for comparing partial ISO dates as periods, identical on SQLite and PostgreSQL.

A partial date (``2011``, ``2011-05``) is a prefix of every day it covers, so as text it
sorts just before them: ``2011`` < ``2011-01-01`` < ``2011-12-31`` < ``2012``. Both tests
below are therefore plain comparisons of the stored text, which an index on the column
serves; a CASE that spells the period out would be computed for every row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, or_


def _day(value: str) -> str:
    if len(value) != 10:
        raise ValueError(f"a full date is needed here, not {value!r}")
    return value


def sql_starts_by(column: ColumnElement[Any], day: str) -> ColumnElement[bool]:
    """The period of ``column`` starts on or before the full date ``day``. Its first day
    is ``day`` or earlier exactly when its text sorts no later than ``day``'s."""
    return column <= _day(day)


def sql_lasts_until(column: ColumnElement[Any], day: str) -> ColumnElement[bool]:
    """The period of ``column`` ends on or after the full date ``day``: its text sorts
    after ``day``'s, or it is ``day``'s own year or month (which sort just before it)."""
    day = _day(day)
    return _lasts_until(column, day, day[:4], day[:7])


def _lasts_until(
    column: ColumnElement[Any], day: Any, year: Any, month: Any
) -> ColumnElement[bool]:
    return or_(column >= day, column.in_((year, month)))


# The same two tests with the day as bound parameters, for a statement built once and
# run with many days (``day_parameters`` gives their values).


def bound_starts_by(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    return column <= bindparam(f"{name}_day", type_=String(10))


def bound_lasts_until(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    day, year, month = (
        bindparam(f"{name}_{part}", type_=String(10)) for part in ("day", "year", "month")
    )
    return _lasts_until(column, day, year, month)


def day_parameters(name: str, day: str) -> dict[str, str]:
    day = _day(day)
    return {f"{name}_day": day, f"{name}_year": day[:4], f"{name}_month": day[:7]}
