"""Everything the article's structured parts say, as data-contract records.

The infobox, the Notes, the References and the Related Research Articles are
read here and nowhere else: the curated YAML never types these facts again, it
only adds what prose alone states (and the type of each related entry).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.core.text import make_id, script_of
from app.ingest.article import Article
from app.ingest.infobox import InfoboxField, parse_infobox
from app.ingest.notes import NameNote, parse_notes
from app.ingest.references import parse_date_text, parse_references
from app.ingest.related import RelatedEntry, parse_related
from app.rules.records import (
    AliasRecord,
    CitationRecord,
    ClaimRecord,
    EntityRecord,
    EntityType,
    MembershipRecord,
    OrganisationRecord,
    PersonRecord,
    PlaceRecord,
    RelationRecord,
    SourceRecord,
)

ARTICLE = "article"
_ISO_IN_PARENS = re.compile(r"\((?P<iso>\d{4}-\d{2}-\d{2})\)")
_RENAMED = re.compile(r"^(?P<date>.+?) \(renamed (?P<name>[^)]+)\)$")
_FORMER_NAME = re.compile(
    r"previously known as the (?P<name>.+?) \[lower-alpha \d+\] from (?P<start>\d{4}) to (?P<end>\d{4})"
)
_FOUNDED_AS = re.compile(r"\(as (?P<name>[^)]+)\)")
_NEWSPAPER = re.compile(r'^(?P<native>\S.*?) \("(?P<english>[^"]+)"\)$')


@dataclass
class ParsedArticle:
    """Typed records, plus the related entries whose type only the curated data gives."""

    citations: list[CitationRecord] = field(default_factory=list)
    entities: list[tuple[EntityType, EntityRecord]] = field(default_factory=list)
    untyped: list[EntityRecord] = field(default_factory=list)
    memberships: list[MembershipRecord] = field(default_factory=list)
    relations: list[RelationRecord] = field(default_factory=list)


def _source(quote: str) -> SourceRecord:
    return SourceRecord(citation=ARTICLE, quote=quote)


def _value(fields: dict[str, InfoboxField], label: str) -> tuple[str, str] | None:
    found = fields.get(label)
    return found.first() if found and found.values else None


def _alias(name: str, lang: str, kind: str, quotes: list[str], **dates: str | None) -> AliasRecord:
    return AliasRecord.model_validate(
        {"name": name, "lang": lang, "kind": kind, "sources": [_source(q) for q in quotes], **dates}
    )


def _note_aliases(
    note: NameNote, *, current: bool, period: dict[str, str | None], period_quotes: list[str]
) -> list[AliasRecord]:
    quotes = [note.line, *period_quotes]
    native_kind = "official" if current else "former"
    aliases = [
        _alias(note.native, f"{note.language}-Cyrl", native_kind, quotes, **period),
        _alias(note.romanized, f"{note.language}-Latn", "romanization", quotes, **period),
    ]
    aliases += [
        _alias(abbr, f"{note.language}-{script_of(abbr)}", "abbreviation", quotes, **period)
        for abbr in note.abbreviations
    ]
    return aliases


def _organisation(article: Article, out: ParsedArticle) -> None:
    name, fields = parse_infobox(article.infobox())
    org_id = make_id(name)
    lead = article.lead()
    aliases: list[AliasRecord] = []
    record: dict[str, object] = {"id": org_id, "name": name, "sources": [_source(name)]}

    founded = fields["Founded"].values
    founding_value, founding_line = founded[0]
    iso = _ISO_IN_PARENS.search(founding_value)
    if iso is None:
        raise ValueError(f"infobox 'Founded' has no ISO date: {founding_line!r}")
    record["disputed"] = {
        "founding_date": [ClaimRecord(value=iso["iso"], sources=[_source(founding_line)])]
    }
    rename_line = next(line for value, line in founded[1:] if _RENAMED.match(value))
    renamed = _RENAMED.match(rename_line)
    assert renamed is not None
    rename_date = parse_date_text(renamed["date"])

    former = _FORMER_NAME.search(lead)
    if former is None:
        raise ValueError("the lead does not give the former name and its years")
    former_quote = former.group(0).split(" [")[0]
    former_period: dict[str, str | None] = {"start_date": former["start"], "end_date": rename_date}
    current_period: dict[str, str | None] = {"start_date": rename_date}
    aliases.append(
        _alias(former["name"], "en", "former", [former_quote, rename_line], **former_period)
    )
    aliases.append(_alias(name, "en", "official", [rename_line], **current_period))
    # The infobox's own short forms: "(as Socialist Resistance)", "(renamed Socialist Movement)".
    if short_former := _FOUNDED_AS.search(founding_value):
        aliases.append(
            _alias(short_former["name"], "en", "former", [founding_line], **former_period)
        )
    aliases.append(_alias(renamed["name"], "en", "other", [rename_line], **current_period))

    native_names = {}
    for label, lang in (("Kazakh name", "kk"), ("Russian name", "ru")):
        if found := _value(fields, label):
            native_names[lang] = found[0]
    for note in parse_notes(article.section("Notes")):
        current = native_names.get(note.language) == note.native
        aliases += _note_aliases(
            note,
            current=current,
            period=current_period if current else former_period,
            period_quotes=[rename_line],
        )

    if hq := _value(fields, "Headquarters"):
        city, _, country = (part.strip() for part in hq[0].partition(","))
        record["headquarters"] = make_id(city)
        country_id = make_id(country) if country else None
        out.entities.append(
            (
                "place",
                PlaceRecord(
                    id=make_id(city), name=city, part_of=country_id, sources=[_source(hq[1])]
                ),
            )
        )
        if country_id:
            out.entities.append(
                ("place", PlaceRecord(id=country_id, name=country, sources=[_source(hq[1])]))
            )
    if chair := _value(fields, "Chairperson(s)"):
        person_id = make_id(chair[0])
        out.entities.append(
            ("person", PersonRecord(id=person_id, name=chair[0], sources=[_source(chair[1])]))
        )
        out.memberships.append(
            MembershipRecord(
                person=person_id,
                organisation=org_id,
                role="chairperson",
                sources=[_source(chair[1])],
            )
        )
    if paper := _value(fields, "Newspaper"):
        parts = _NEWSPAPER.match(paper[0])
        if parts is None:
            raise ValueError(f"infobox 'Newspaper' is not 'Native (\"English\")': {paper[1]!r}")
        paper_id = make_id(parts["english"] + " newspaper")
        out.entities.append(
            (
                "organisation",
                OrganisationRecord(
                    id=paper_id,
                    name=parts["english"],
                    classification="newspaper",
                    sources=[_source(paper[1])],
                    aliases=[
                        # The infobox does not say whether the title is Kazakh or
                        # Russian (it is spelt the same in both): only its script is known.
                        _alias(parts["native"], "und-Cyrl", "official", [paper[1]]),
                    ],
                ),
            )
        )
        out.relations.append(
            RelationRecord(
                subject=org_id, relation="publishes", object=paper_id, sources=[_source(paper[1])]
            )
        )
    for label, key in (
        ("Political position", "political_position"),
        ("Colours", "colours"),
        ("Website", "website"),
    ):
        if found := _value(fields, label):
            record[key] = found[0]
            record["sources"] = [*record["sources"], _source(found[1])]  # type: ignore[misc]
    record["aliases"] = aliases
    out.entities.append(("organisation", OrganisationRecord.model_validate(record)))


def _related_record(entry: RelatedEntry) -> EntityRecord:
    quotes = [entry.first_sentence]
    aliases = [_alias(a, "en", "abbreviation", quotes) for a in entry.abbreviations]
    aliases += [_alias(t, "en", "translation", quotes) for t in entry.translations]
    aliases += [_alias(o, "en", "other", quotes) for o in entry.other_names]
    return EntityRecord(
        id=entry.id,
        name=entry.name,
        description=entry.first_sentence,
        sources=[_source(entry.first_sentence)],
        aliases=aliases,
    )


def parse_article(article: Article) -> ParsedArticle:
    out = ParsedArticle()
    out.citations.append(CitationRecord(id=ARTICLE, title=article.title, language="en"))
    out.citations += parse_references(article.section("References"))
    _organisation(article, out)
    out.untyped += [
        _related_record(e) for e in parse_related(article.section("Related Research Articles"))
    ]
    return out
