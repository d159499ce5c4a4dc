"""Packed string columns give back every string they were given, by ordinal and by value."""

from __future__ import annotations

import random
from array import array

import pytest

from app.search.columns import Categories, CodedColumn, StringColumn, StringIndex, stored

SAMPLES = ["", "smk", "Социалистическое движение Казахстана", "Ermūhamet", "🙂 emoji", "smk "]


def test_a_column_gives_back_each_string_by_ordinal_in_any_script() -> None:
    column = StringColumn(SAMPLES)
    assert len(column) == len(SAMPLES)
    assert [column[n] for n in range(len(SAMPLES))] == SAMPLES
    assert list(column) == SAMPLES
    assert column[-1] == SAMPLES[-1]
    with pytest.raises(IndexError):
        column[len(SAMPLES)]


def test_a_copy_does_not_see_what_is_appended_to_the_original() -> None:
    column = StringIndex(["a", "b"])
    copied = column.copy()
    column.append("c")
    assert list(copied) == ["a", "b"]
    assert copied.get("c") is None
    assert column.get("c") == 2


def test_an_index_finds_every_string_it_holds_and_nothing_else() -> None:
    rng = random.Random(7)
    alphabet = "abcdefghijklmnopqrstuvwxyzабвгдеёжзийклмнопрстуфхцчшщъыьэюяəғқңөұүһі-0123456789"
    values = list(
        dict.fromkeys("".join(rng.choices(alphabet, k=rng.randint(0, 12))) for _ in range(20_000))
    )
    index = StringIndex()
    for ordinal, value in enumerate(values):
        assert index.append(value) == ordinal
    assert all(index.get(value) == ordinal for ordinal, value in enumerate(values))
    assert all(index[ordinal] == value for ordinal, value in enumerate(values))
    assert index.get("not-there") is None
    assert index.get("zz-absent-zz") is None
    assert index.get(values[100]) == 100


def test_an_index_refuses_a_string_it_holds_already() -> None:
    index = StringIndex(["smk"])
    with pytest.raises(ValueError, match="there already"):
        index.append("smk")
    assert len(index) == 1


def test_a_coded_column_keeps_each_distinct_string_once() -> None:
    column = CodedColumn()
    for value in ["Айнур", "Ainur", "Айнур", "Ainur", "Айнур"]:
        column.append(value)
    assert list(column) == ["Айнур", "Ainur", "Айнур", "Ainur", "Айнур"]
    assert column[2] == "Айнур"
    assert list(column.values) == ["Айнур", "Ainur"]
    copied = column.copy()
    column.append("Kurmanov")
    assert len(copied) == 5
    assert list(column)[-1] == "Kurmanov"
    assert copied.values.get("Kurmanov") is None


def test_a_column_reads_across_its_chunks_and_not_past_either_end() -> None:
    values = [f"{n}-{'ж' * (n % 3)}" for n in range(2050)]  # two full chunks and a tail
    column = StringColumn(values)
    assert [column[n] for n in range(2050)] == values
    assert column[-1] == values[-1]
    assert column[-2050] == values[0]
    for beyond in (2050, 3000, 5000, -2051):
        with pytest.raises(IndexError):
            column[beyond]


def test_categories_give_back_each_value_in_a_byte_and_widen_past_it() -> None:
    categories = Categories()
    for value in ["person", "event", "person"]:
        categories.append(value)
    categories[1] = "place"
    assert [categories[n] for n in range(3)] == ["person", "place", "person"]
    assert categories.codes.itemsize == 1
    many = [f"type-{n}" for n in range(300)]
    for value in many:
        categories.append(value)
    assert [categories[n] for n in range(3, 303)] == many
    assert categories[0] == "person"
    copied = categories.copy()
    categories[0] = "event"
    assert copied[0] == "person"


def test_a_narrow_column_widens_for_a_value_that_does_not_fit() -> None:
    column = array("b", [1, 2])
    column = stored(column, 2, 100)  # appended
    assert column.typecode == "b"
    column = stored(column, 0, 40_000)  # past a byte and past two
    assert list(column) == [40_000, 2, 100]
    column = stored(column, 3, -(2**40))
    assert list(column) == [40_000, 2, 100, -(2**40)]
