"""Name keys: one skeleton for any script and romanisation."""

from __future__ import annotations

import pytest

from app.core.names import name_key, sorted_key


@pytest.mark.parametrize(
    "spellings",
    [
        (
            "Социалистическое Движение Казахстана",
            "Socialističeskoe Dvizheniye Kazahstana",
            "Sotsialisticheskoe Dvizhenie Kazakhstana",
            "SOCIALISTICHESKOE DVIZHENIE KAZAKHSTANA",
        ),
        ("Қазақстанның Социалистік Қозғалысы", "Qazaqstannıñ Socïalïstik Qozğalısı"),
        ("ҚСҚ", "QSQ"),
        ("Жанболат Мамай", "Janbolat Mamai", "Zhanbolat Mamay"),
        ("Нурсултан Назарбаев", "Nursultan Nazarbayev"),
        ("Ermūhamet Ertısbaev", "Ермухамет Ертысбаев"),
        ("Жанаозен", "Zhanaozen", "Janaozen"),
    ],
)
def test_spellings_of_one_name_share_a_key(spellings: tuple[str, ...]) -> None:
    keys = {name_key(s) for s in spellings}
    assert len(keys) == 1, keys


def test_different_names_keep_different_keys() -> None:
    assert name_key("Socialist Movement of Kazakhstan") != name_key("Socialist Party of Kazakhstan")
    assert name_key("СДК") != name_key("ССК")


def test_sorted_key_ignores_word_order() -> None:
    assert sorted_key("Kurmanov Ainur") == sorted_key("Ainur Kurmanov")


def test_punctuation_and_apostrophes_do_not_matter() -> None:
    assert name_key("Committee for a Workers' International") == name_key(
        "committee for a workers international"
    )
    assert name_key("«Vpered»") == name_key("Vpered")
