"""The parser reads the article's structured parts on its own."""

from __future__ import annotations

from app.core.config import PROJECT_ROOT
from app.ingest.article import Article
from app.ingest.infobox import parse_infobox
from app.ingest.notes import parse_notes
from app.ingest.parser import parse_article
from app.ingest.references import parse_date_text, parse_reference
from app.ingest.related import parse_related
from app.rules.records import OrganisationRecord

ARTICLE = Article.from_file(PROJECT_ROOT / "data" / "article.txt")


def test_infobox_fields_are_read_by_label() -> None:
    name, fields = parse_infobox(ARTICLE.infobox())
    assert name == "Socialist Movement of Kazakhstan"
    assert fields["Kazakh name"].first()[0] == "Қазақстанның Социалистік Қозғалысы"
    assert fields["Russian name"].first()[0] == "Социалистическое Движение Казахстана"
    assert fields["Chairperson(s)"].first()[0] == "Ainur Kurmanov"
    assert [v for v, _ in fields["Founded"].values] == [
        "20–21 May 2006 (2006-05-21) (as Socialist Resistance)",
        "7 May 2011 (renamed Socialist Movement)",
    ]
    assert fields["Headquarters"].first()[0] == "Almaty, Kazakhstan"
    assert fields["Newspaper"].first()[0] == 'Социалист ("Socialist")'
    assert fields["Political position"].first()[0] == "Far-left"
    assert fields["Colours"].first()[0] == "Red"
    assert fields["Website"].first()[0] == "socialismkz.info"
    assert not fields["Ideology"].values


def test_notes_give_native_names_romanizations_and_abbreviations() -> None:
    notes = parse_notes(ARTICLE.section("Notes"))
    assert [(n.language, n.native, n.romanized, n.abbreviations) for n in notes] == [
        (
            "kk",
            "Қазақстанның Социалистік Қозғалысы",
            "Qazaqstannıñ Socïalïstik Qozğalısı",
            ("ҚСҚ", "QSQ"),
        ),
        (
            "ru",
            "Социалистическое Движение Казахстана",
            "Socialističeskoe Dvizheniye Kazahstana",
            ("СДК",),
        ),
        (
            "kk",
            "Қазақстанның Социалистік қарсылығы",
            "Qazaqstannyń Sotsıalıstik karsylyǵy",
            ("СоҚ", "SoQ"),
        ),
        (
            "ru",
            "Социалистическое Сопротивление Казахстана",
            "Socialističeskoe Soprotivlenie Kazahstana",
            ("СоцСопр", "ССК"),
        ),
    ]


def test_all_nine_references_are_parsed_with_their_metadata() -> None:
    citations = parse_article(ARTICLE).citations
    assert [c.id for c in citations] == ["article"] + [f"ref-{n}" for n in range(1, 10)]
    ref = {c.id: c for c in citations}
    assert ref["ref-1"].publisher == "International Socialist Alternative"
    assert ref["ref-1"].published_date == "2002-05-23"
    assert ref["ref-1"].retrieved_date == "2022-01-08"
    assert (ref["ref-2"].publisher, ref["ref-2"].volume, ref["ref-2"].issue) == (
        "AiF Kazakhstan",
        "11",
        "666",
    )
    assert ref["ref-3"].title == "Создано Социалистическое Движение Казахстана"
    assert (ref["ref-3"].language, ref["ref-3"].publisher) == ("ru", "Помидор")
    assert ref["ref-3"].archive_date == "2016-03-04"
    assert ref["ref-5"].author == "Ainur Kurmanov"
    assert ref["ref-5"].title == "The day Zhanaozen died"
    assert ref["ref-5"].archive_date == "2012-05-12"
    assert ref["ref-5"].publisher == "The Moscow News"
    assert ref["ref-8"].published_date is None
    assert ref["ref-9"].title == "ПЕРЕХОДНАЯ ПРОГРАММА СДК"


def test_a_reference_with_repeated_backlinks_keeps_its_title() -> None:
    citation = parse_reference('  3. 1 2 "Title here" (in Russian). Pub. 13 May 2011.')
    assert (citation.number, citation.title, citation.language) == (3, "Title here", "ru")


def test_partial_dates_keep_their_precision() -> None:
    assert parse_date_text("23 May 2002") == "2002-05-23"
    assert parse_date_text("November 21, 2009") == "2009-11-21"
    assert parse_date_text("May 2019") == "2019-05"


def test_related_entries_are_one_entity_each_with_names_from_the_lead_sentence() -> None:
    entries = {e.id: e for e in parse_related(ARTICLE.section("Related Research Articles"))}
    assert len(entries) == 20
    assert entries["committee-for-a-workers-international"].abbreviations == ("CWI",)
    assert entries["socialist-league-vpered"].translations == ("Forward",)
    assert entries["2022-kazakh-unrest"].other_names == (
        "January Events",
        "Bloody January",
        "January Tragedy",
    )
    # A title with a disambiguator gives the id; the lead sentence gives the name.
    assert entries["socialist-resistance-russia"].name == "Socialist Resistance"
    assert entries["special-forces-of-kazakhstan"].name == "Special Forces of Kazakhstan"
    assert entries["janbolat-mamai"].first_sentence.startswith(
        "Janbolat Mamai is a Kazakh journalist"
    )


def test_the_organisation_record_carries_infobox_and_notes() -> None:
    parsed = parse_article(ARTICLE)
    org = next(r for t, r in parsed.entities if r.id == "socialist-movement-of-kazakhstan")
    assert isinstance(org, OrganisationRecord)
    assert (org.headquarters, org.website, org.political_position) == (
        "almaty",
        "socialismkz.info",
        "Far-left",
    )
    by_name = {a.name: a for a in org.aliases}
    assert by_name["СДК"].kind == "abbreviation"
    assert by_name["СДК"].lang == "ru-Cyrl"
    assert by_name["QSQ"].lang == "kk-Latn"
    former = by_name["Socialist Resistance of Kazakhstan"]
    assert (former.kind, former.start_date, former.end_date) == ("former", "2006", "2011-05-07")
    assert by_name["Социалистическое Сопротивление Казахстана"].kind == "former"
    assert by_name["Социалистическое Движение Казахстана"].start_date == "2011-05-07"
    assert [c.value for c in org.disputed["founding_date"]] == ["2006-05-21"]
    assert parsed.memberships[0].person == "ainur-kurmanov"
    assert parsed.memberships[0].role == "chairperson"
