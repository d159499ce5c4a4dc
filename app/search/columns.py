"""Strings by ordinal, packed: a thousand strings joined into one str, and where each
ends, instead of a str object each.

A str object costs 49 bytes or more before its characters, and a list slot 8 more; at
a million entities the search tables' ids, names and the dict finding an entity by id
were most of a server's memory (docs/performance.md). Packed, a string costs its
characters and a 4-byte offset, and ``StringIndex`` finds one by value through an
open-addressing table of 4-byte ordinals instead of a dict. Reading one slices it out of
its chunk (a str, so no decoding: 0.1 µs, where UTF-8 bytes took twice that). A chunk
takes the widest character it holds for all of its characters (an id is ASCII, one byte
each; a name in Cyrillic makes its chunk two bytes a character), as a str does. The
columns read in search's innermost loops stay lists.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from typing import Final

# Strings per chunk: 2 ** _CHUNK_BITS.
_CHUNK_BITS: Final = 10
_CHUNK: Final = 1 << _CHUNK_BITS
_IN_CHUNK: Final = _CHUNK - 1
_EMPTY: Final = -1
# The open-addressing table is kept at most half full: few probes per lookup.
_MOST_FILLED: Final = 2


class StringColumn:
    """Append-only strings by ordinal."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._chunks: list[str] = []  # full chunks, each _CHUNK strings joined
        self._tail: list[str] = []  # the strings after them, until they fill a chunk
        self._ends: array[int] = array("i")  # where each string of a full chunk ends in it
        for value in values:
            self.append(value)

    def copy(self) -> StringColumn:
        copied = StringColumn()
        self._copy_into(copied)
        return copied

    def _copy_into(self, copied: StringColumn) -> None:
        copied._chunks = list(self._chunks)  # the chunks themselves are immutable: shared
        copied._tail = list(self._tail)
        copied._ends = array("i", self._ends)

    def __len__(self) -> int:
        return len(self._chunks) * _CHUNK + len(self._tail)

    def __getitem__(self, ordinal: int) -> str:
        if ordinal < 0:
            ordinal += len(self)
            if ordinal < 0:
                raise IndexError("string ordinal out of range")
        chunk = ordinal >> _CHUNK_BITS
        chunks = self._chunks
        if chunk >= len(chunks):
            if chunk > len(chunks):
                raise IndexError("string ordinal out of range")
            return self._tail[ordinal & _IN_CHUNK]  # IndexError past the end
        ends = self._ends
        start = ends[ordinal - 1] if ordinal & _IN_CHUNK else 0
        return chunks[chunk][start : ends[ordinal]]

    def __iter__(self) -> Iterator[str]:
        for ordinal in range(len(self)):
            yield self[ordinal]

    def append(self, value: str) -> int:
        """Adds ``value`` and returns its ordinal."""
        tail = self._tail
        tail.append(value)
        ordinal = len(self._chunks) * _CHUNK + len(tail) - 1
        if len(tail) == _CHUNK:
            end = 0
            for held in tail:
                end += len(held)
                self._ends.append(end)
            self._chunks.append("".join(tail))
            self._tail = []
        return ordinal


class StringIndex(StringColumn):
    """A ``StringColumn`` of distinct strings that also finds a string's ordinal."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._slots: array[int] = array("i", [_EMPTY]) * 8
        super().__init__(values)

    def copy(self) -> StringIndex:
        copied = StringIndex()
        self._copy_into(copied)
        copied._slots = array("i", self._slots)
        return copied

    def get(self, value: str) -> int | None:
        """The ordinal of ``value``, or None."""
        slots = self._slots
        mask = len(slots) - 1
        slot = hash(value) & mask
        while True:
            ordinal = slots[slot]
            if ordinal == _EMPTY:
                return None
            if self[ordinal] == value:
                return ordinal
            slot = (slot + 1) & mask

    def append(self, value: str) -> int:
        """Adds ``value``, which must not be there yet, and returns its ordinal."""
        if self.get(value) is not None:
            raise ValueError(f"{value!r} is there already")
        return self._append_new(value)

    def add(self, value: str) -> int:
        """The ordinal of ``value``, added if it is not there yet."""
        found = self.get(value)
        return found if found is not None else self._append_new(value)

    def _append_new(self, value: str) -> int:
        ordinal = super().append(value)
        if (ordinal + 1) * _MOST_FILLED > len(self._slots):
            self._rehash(len(self._slots) * 2)
        else:
            self._place(value, ordinal)
        return ordinal

    def _place(self, value: str, ordinal: int) -> None:
        slots = self._slots
        mask = len(slots) - 1
        slot = hash(value) & mask
        while slots[slot] != _EMPTY:
            slot = (slot + 1) & mask
        slots[slot] = ordinal

    def _rehash(self, size: int) -> None:
        self._slots = array("i", [_EMPTY]) * size
        for ordinal in range(len(self)):
            self._place(self[ordinal], ordinal)


class CodedColumn:
    """Strings by ordinal, each a code into an index of the distinct strings: names
    repeat (270,141 search names held 61,424 distinct texts at 100,000 entities). The
    index finds a string's code as it is appended, with no dict of str objects beside
    it while a table loads."""

    def __init__(self, codes: array[int] | None = None, values: StringIndex | None = None) -> None:
        self.codes: array[int] = codes if codes is not None else array("i")
        self.values = values if values is not None else StringIndex()

    def copy(self) -> CodedColumn:
        return CodedColumn(array("i", self.codes), self.values.copy())

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, ordinal: int) -> str:
        return self.values[self.codes[ordinal]]

    def __iter__(self) -> Iterator[str]:
        values = self.values
        for code in self.codes:
            yield values[code]

    def append(self, value: str) -> None:
        self.codes.append(self.values.add(value))


class Categories:
    """Strings by ordinal from a small set (an entity's type): a byte each."""

    def __init__(self) -> None:
        self.codes: array[int] = array("b")  # widened by ``stored``
        self.values: list[str] = []
        self._code: dict[str, int] = {}

    def copy(self) -> Categories:
        copied = Categories()
        copied.codes = array(self.codes.typecode, self.codes)
        copied.values, copied._code = list(self.values), dict(self._code)
        return copied

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, ordinal: int) -> str:
        return self.values[self.codes[ordinal]]

    def __setitem__(self, ordinal: int, value: str) -> None:
        self.codes = stored(self.codes, ordinal, self._encoded(value))

    def append(self, value: str) -> None:
        self.codes = stored(self.codes, len(self.codes), self._encoded(value))

    def _encoded(self, value: str) -> int:
        code = self._code.get(value)
        if code is None:
            code = self._code[value] = len(self.values)
            self.values.append(value)
        return code


# Each signed array type, and the next wider one.
_WIDER = {"b": "h", "h": "i", "i": "q"}


def stored(column: array[int], index: int, value: int) -> array[int]:
    """``column`` with ``value`` at ``index`` (appended at ``len(column)``), or a wider
    copy of it when the value does not fit: small numbers take a byte each until one
    does not."""
    while True:
        try:
            if index == len(column):
                column.append(value)
            else:
                column[index] = value
            return column
        except OverflowError:
            column = array(_WIDER[column.typecode], column)
