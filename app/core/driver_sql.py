"""Core SELECTs compiled once per dialect and run as driver SQL on a connection
(``Connection.exec_driver_sql``), for reads that run several statements a request.

Through ``Session.execute`` a statement of a timeline page cost 200-400 µs beyond the
read itself: the ORM's execution layers, the compiled-statement cache key, and the
expansion of each ``IN`` list into its placeholders, redone every time
(docs/performance.md). Here a statement is compiled once per dialect, and each size of
``IN`` list is expanded once: a list is padded to the next power of two with its own
last value (``IN (a, b, b, b)`` selects what ``IN (a, b)`` does), so a statement has a
few dozen SQL texts at most and the driver prepares each once. The SQL still goes
through the connection, so the engine's events (statement deadlines, the watchdog,
statement counting in tests) see it and driver errors arrive as SQLAlchemy's.

Rows are the driver's values, not SQLAlchemy's result types: use it for columns whose
driver values are what the caller needs (text, integers; a boolean read for its truth).
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session

# Statements prepared at most: they are module-level constants, a few dozen in all; the
# bound only keeps a caller that builds statements per request from growing it.
_MOST_PREPARED = 512
# A list value's placeholder while its expansion is worked out (never sent).
_MARK = "\x00kb-list\x00"


def padded_size(length: int) -> int:
    """The number of placeholders a list of ``length`` values is given."""
    size = 1
    while size < length:
        size *= 2
    return size if length else 0


@dataclass(frozen=True)
class _Expansion:
    """A statement's SQL for one set of list sizes."""

    sql: str
    order: tuple[str, ...] | None  # parameter names in placeholder order; None: by name
    defaults: dict[str, Any]  # the statement's own values (literals, limits)
    slots: dict[str, tuple[str, int]]  # placeholder -> (list parameter, index in it)


class _Prepared:
    def __init__(self, statement: Select[*tuple[Any, ...]], dialect: Dialect) -> None:
        self.statement = statement  # kept: the cache is keyed by its id
        self.compiled = statement.compile(dialect=dialect)
        binds = self.compiled.binds
        self.lists = tuple(name for name, bind in binds.items() if bind.expanding)
        # The values each run must give (the lists among them): bound parameters with no
        # value of their own.
        self.required = frozenset(name for name, bind in binds.items() if bind.required)
        self.row: Any = namedtuple("Row", list(statement.selected_columns.keys()), rename=True)  # type: ignore[misc]
        self._expansions: dict[tuple[int, ...], _Expansion] = {}

    def expansion(self, sizes: tuple[int, ...]) -> _Expansion:
        found = self._expansions.get(sizes)
        if found is None:
            found = self._expansions[sizes] = self._expand(sizes)
        return found

    def _expand(self, sizes: tuple[int, ...]) -> _Expansion:
        # Each list value is a mark naming its list and place; where the marks land in
        # the expanded parameters says which placeholder takes which value.
        marks: dict[str, Any] = dict.fromkeys(self.required)
        marks |= {
            name: [f"{_MARK}{name}\x00{i}" for i in range(size)]
            for name, size in zip(self.lists, sizes, strict=True)
        }
        state = self.compiled.construct_expanded_state(marks)
        slots: dict[str, tuple[str, int]] = {}
        defaults: dict[str, Any] = {}
        for key, value in state.parameters.items():
            if isinstance(value, str) and value.startswith(_MARK):
                name, index = value.removeprefix(_MARK).rsplit("\x00", 1)
                slots[key] = (name, int(index))
            else:
                defaults[key] = value
        if len(slots) != sum(sizes):  # a dialect that expands lists otherwise
            raise RuntimeError(f"cannot expand the lists of {self.compiled.string!r}")
        order = tuple(state.positiontup) if state.positiontup is not None else None
        return _Expansion(state.statement, order, defaults, slots)


_prepared: dict[tuple[int, str, str], _Prepared] = {}
_lock = threading.Lock()


def _prepared_for(statement: Select[*tuple[Any, ...]], dialect: Dialect) -> _Prepared:
    key = (id(statement), dialect.name, str(dialect.paramstyle))
    found = _prepared.get(key)
    if found is None or found.statement is not statement:
        found = _Prepared(statement, dialect)
        with _lock:
            if len(_prepared) >= _MOST_PREPARED:
                _prepared.clear()
            _prepared[key] = found
    return found


def driver_rows(
    connection: Connection | Session,
    statement: Select[*tuple[Any, ...]],
    params: Mapping[str, Any] | None = None,
) -> list[Any]:
    """The rows of ``statement`` with ``params`` (a list or set for each ``IN`` list,
    ``bindparam(..., expanding=True)``), as named tuples of the driver's values, read on
    ``connection`` (or a session's, in its transaction, after its autoflush)."""
    if isinstance(connection, Session):
        if connection.autoflush:
            connection.flush()  # as Session.execute does: what is pending is read too
        connection = connection.connection()
    prepared = _prepared_for(statement, connection.dialect)
    given = dict(params or {})
    if missing := prepared.required - given.keys():
        raise InvalidRequestError(f"no value for the bound parameters {sorted(missing)}")
    lists: dict[str, Sequence[Any]] = {}
    for name in prepared.lists:
        values = given.pop(name)
        lists[name] = values if isinstance(values, Sequence) else list(values)
    expansion = prepared.expansion(tuple(padded_size(len(v)) for v in lists.values()))
    values = {**expansion.defaults, **given}
    for placeholder, (name, index) in expansion.slots.items():
        listed = lists[name]
        values[placeholder] = listed[index] if index < len(listed) else listed[-1]
    args: Any = values if expansion.order is None else tuple(values[n] for n in expansion.order)
    make = prepared.row._make
    return [make(row) for row in connection.exec_driver_sql(expansion.sql, args).all()]
