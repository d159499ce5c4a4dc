"""Partial ISO 8601 dates (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``), as in Popolo."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator

PARTIAL_DATE_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"
# The same, exact to the calendar (no year 0, no 30 February, 29 February in leap
# years only): what the API documents for date parameters, so that every date the
# schema allows is one the API accepts. (The database checks the shape above.)
_YEAR = "([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
_MONTH_DAY = (
    "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])"
    "|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    "|02-(0[1-9]|1[0-9]|2[0-8]))"
)
_LEAP_YEAR = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)"
CALENDAR_DATE_PATTERN = f"^({_YEAR}(-(0[1-9]|1[0-2]))?|{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)$"
_PARTIAL_DATE = re.compile(PARTIAL_DATE_PATTERN)


def validate_partial_date(value: str) -> str:
    """Return ``value`` if it is a real calendar date at year, month or day precision."""
    if not _PARTIAL_DATE.match(value):
        raise ValueError(f"{value!r} is not a partial ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)")
    if value.startswith("0000"):
        raise ValueError(f"{value!r} is not a calendar date: there is no year 0")
    if len(value) == 10:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a calendar date") from None
    return value


PartialDate = Annotated[str, AfterValidator(validate_partial_date)]


def period_start(value: str) -> str:
    """The first day a partial date covers: ``2011`` -> ``2011-01-01``."""
    return {4: value + "-01-01", 7: value + "-01"}.get(len(value), value)


def period_end(value: str) -> str:
    """The last day a partial date covers: ``2011-02`` -> ``2011-02-28``."""
    if len(value) == 4:
        return value + "-12-31"
    if len(value) == 7:
        year, month = int(value[:4]), int(value[5:7])
        if month == 12:
            return f"{value}-31"
        first_of_next = dt.date(year, month + 1, 1)
        return (first_of_next - dt.timedelta(days=1)).isoformat()
    return value
