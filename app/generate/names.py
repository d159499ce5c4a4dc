"""Word lists for synthetic names: Kazakh and Russian given names and surnames in
Cyrillic, organisation and event vocabulary in Russian with English renderings, and
place-name parts. Latin forms are made by transliteration, so every synthetic entity
has names in both scripts, as the real ones do."""

from __future__ import annotations

GIVEN_NAMES = (
    "Айгерим", "Айнур", "Асель", "Алия", "Гульнара", "Жанар", "Динара", "Мадина", "Сауле",
    "Дана", "Ерлан", "Нурлан", "Асхат", "Бауыржан", "Данияр", "Ерболат", "Жандос",
    "Кайрат", "Марат", "Серик", "Талгат", "Тимур", "Арман", "Айдос", "Ержан", "Болат",
    "Дмитрий", "Сергей", "Андрей", "Виктор", "Олег", "Игорь", "Наталья", "Елена",
    "Ольга", "Татьяна", "Ирина", "Светлана", "Михаил", "Алексей", "Қайрат", "Әсел",
    "Нұрлан", "Өмірзақ", "Ғалым", "Үміт", "Ақмарал", "Жомарт", "Есенбек", "Тахир",
)  # fmt: skip

SURNAMES = (
    "Курманов", "Нурланов", "Ахметов", "Сулейменов", "Жумабаев", "Касымов", "Омаров",
    "Искаков", "Бекмухамбетов", "Тулегенов", "Сагинтаев", "Мамаев", "Укешбаев",
    "Байжанов", "Есенов", "Абенов", "Кенжебаев", "Смагулов", "Мухамедзянов", "Ертысбаев",
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Жанабаев", "Төлеуов", "Қасымов", "Әбілов", "Шайхиев", "Оспанов", "Рахимов", "Садыков",
)  # fmt: skip

# (Russian adjective, English) and (Russian noun, English, grammatical gender)
ORG_ADJECTIVES = (
    ("Народн", "People's"), ("Рабоч", "Workers'"), ("Социалистическ", "Socialist"),
    ("Демократическ", "Democratic"), ("Независим", "Independent"), ("Трудов", "Labour"),
    ("Молодёжн", "Youth"), ("Революционн", "Revolutionary"), ("Объединённ", "United"),
    ("Свободн", "Free"), ("Крестьянск", "Peasants'"), ("Левое", "Left"),
)  # fmt: skip
ORG_NOUNS = (
    ("партия", "Party", "f"), ("движение", "Movement", "n"), ("союз", "Union", "m"),
    ("фронт", "Front", "m"), ("комитет", "Committee", "m"), ("лига", "League", "f"),
    ("сопротивление", "Resistance", "n"), ("альянс", "Alliance", "m"),
    ("конгресс", "Congress", "m"), ("газета", "Newspaper", "f"),
)  # fmt: skip
ENDINGS = {"f": "ая", "n": "ое", "m": "ый"}

EVENT_KINDS = (
    ("Забастовка", "Strike"), ("Митинг", "Rally"), ("Съезд", "Congress"),
    ("Демонстрация", "Demonstration"), ("Конференция", "Conference"), ("Протест", "Protest"),
    ("Голодовка", "Hunger strike"), ("Арест", "Arrest"), ("Выборы", "Election"),
)  # fmt: skip

PLACE_HEADS = ("Ақ", "Қара", "Көк", "Сары", "Жаңа", "Ұлы", "Кіші", "Бес", "Таң", "Алтын")
PLACE_TAILS = ("тау", "су", "көл", "бұлақ", "төбе", "арық", "қала", "дала", "өзен", "жар")

ROLES = ("member", "leader", "secretary", "chairperson", "founder", "spokesperson", "treasurer")
VERBS = ("member_of", "section_of", "split_from", "affiliated_with", "opposed", "supported")
PARTICIPATION_ROLES = ("organiser", "participant", "supporter", "target", "observer")
