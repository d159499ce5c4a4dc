"""Every dated fact in chronological order, paged in SQL.

One UNION ALL of small SELECTs, one per kind of dated fact, each giving
(date, kind, fact id); ordered by the date as stored and paged in the database.
Partial dates sort by their text, which is chronological at each precision and
puts a year before its months and a month before its days: 2011 < 2011-05-07 <
2011-12 < 2012-06-05. Only the page is then hydrated, with a fixed number of
queries.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Select,
    String,
    Subquery,
    bindparam,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from app.core.date_sql import bound_lasts_until, bound_starts_by, day_parameters
from app.core.dates import period_end, period_start
from app.core.errors import UnknownReferenceError
from app.core.pagination import PageParams
from app.models import (
    Alias,
    Claim,
    Entity,
    Event,
    EventPlace,
    Membership,
    Organisation,
    Participation,
    Person,
    Relation,
    Source,
)
from app.provenance.service import load_refs
from app.timeline.schemas import TimelineKind

# Same-day facts in this order: what starts before what happens before what ends.
KINDS: tuple[str, ...] = TimelineKind.__args__  # type: ignore[attr-defined]
DATE_FIELDS = {
    "founding": "founding_date",
    "dissolution": "dissolution_date",
    "birth": "birth_date",
    "death": "death_date",
}
_LIFE_VERBS = {"founding": "founded", "dissolution": "dissolved", "birth": "born", "death": "died"}
ORG, PERSON, EVENT = Organisation.__table__.c, Person.__table__.c, Event.__table__.c
# Hydration reads plain rows (attribute access by column name), not ORM objects: on
# PostgreSQL the ORM's own work was most of each statement's cost.
CLAIM, SOURCE = Claim.__table__, Source.__table__


def _branch(kind: str, date: Any, fact_id: Any, table: Any, end_date: Any = None) -> Select[Any]:
    """One kind of dated fact; ``end_date`` is an event's (read here, not hydrated)."""
    return (
        select(
            date.label("date"),
            literal(KINDS.index(kind)).label("rank"),
            literal(kind, String(20)).label("kind"),
            fact_id.label("fact_id"),
            (null() if end_date is None else end_date).cast(String(10)).label("end_date"),
        )
        .select_from(table)
        .where(date.is_not(None))
    )


def _branches(entity: BindParameter[str] | None) -> list[Select[Any]]:
    def about(*columns: ColumnElement[Any]) -> ColumnElement[bool] | None:
        return or_(*(c == entity for c in columns)) if entity is not None else None

    # One IN over a union, not three ORed tests: PostgreSQL scanned every event for
    # the OR (3 ms at 100k); the union is a few index lookups.
    events_of = (
        EVENT.id.in_(
            union_all(
                select(entity),
                select(Participation.event_id).where(Participation.entity_id == entity),
                select(EventPlace.event_id).where(EventPlace.place_id == entity),
            )
        )
        if entity is not None
        else None
    )
    membership, relation, alias = Membership.__table__, Relation.__table__, Alias.__table__
    claim = Claim.__table__

    def undisputed(kind: str, column: Any) -> ColumnElement[bool]:
        """A disputed date shows once per claim (below), not once as the plain field."""
        return ~(
            select(claim.c.id)
            .where(claim.c.entity_id == column, claim.c.field == DATE_FIELDS[kind])
            .exists()
        )

    def dated(kind: str, date: Any, table: Any) -> tuple[Select[Any], ColumnElement[bool] | None]:
        return _branch(kind, date, table.c.id, table).where(undisputed(kind, table.c.id)), about(
            table.c.id
        )

    def claims(kind: str) -> tuple[Select[Any], ColumnElement[bool] | None]:
        branch = _branch(kind, claim.c.value, claim.c.id, claim)
        return branch.where(claim.c.field == DATE_FIELDS[kind]), about(claim.c.entity_id)

    parts: list[tuple[Select[Any], ColumnElement[bool] | None]] = [
        dated("founding", ORG.founding_date, Organisation.__table__),
        dated("dissolution", ORG.dissolution_date, Organisation.__table__),
        dated("birth", PERSON.birth_date, Person.__table__),
        dated("death", PERSON.death_date, Person.__table__),
        *(claims(kind) for kind in DATE_FIELDS),
        (_branch("event", EVENT.start_date, EVENT.id, Event.__table__, EVENT.end_date), events_of),
        (
            _branch("renaming", alias.c.start_date, alias.c.id, alias).where(
                alias.c.lang == "en", alias.c.kind == "official"
            ),
            about(alias.c.entity_id),
        ),
        (
            _branch("membership_start", membership.c.start_date, membership.c.id, membership),
            about(membership.c.person_id, membership.c.organisation_id),
        ),
        (
            _branch("membership_end", membership.c.end_date, membership.c.id, membership),
            about(membership.c.person_id, membership.c.organisation_id),
        ),
        (
            _branch("relation_start", relation.c.start_date, relation.c.id, relation),
            about(relation.c.subject_id, relation.c.object_id),
        ),
        (
            _branch("relation_end", relation.c.end_date, relation.c.id, relation),
            about(relation.c.subject_id, relation.c.object_id),
        ),
    ]
    return [branch if condition is None else branch.where(condition) for branch, condition in parts]


@lru_cache(maxsize=2)
def _facts(*, about_one: bool) -> Subquery:
    """The union of every kind of dated fact, built once (building it cost more than
    running it); the entity is a bound parameter, ``entity``."""
    entity = bindparam("entity", type_=String(200)) if about_one else None
    return union_all(*_branches(entity)).subquery()


@lru_cache(maxsize=8)
def _statements(*, about_one: bool, since: bool, until: bool) -> tuple[Select[Any], Select[Any]]:
    """The page with the total (the union planned and run once, not twice), and the
    total alone (for a page past the end). Built once for each set of filters, with
    every value a bound parameter: SQLAlchemy keys its compiled-statement cache on a
    statement's structure, and walking this union to compute that key cost 200 µs, a
    tenth of a timeline, each time the statement was built anew."""
    facts = _facts(about_one=about_one)
    statement = select(facts)
    if since:
        statement = statement.where(bound_lasts_until(facts.c.date, "since"))
    if until:
        statement = statement.where(bound_starts_by(facts.c.date, "until"))
    page = (
        statement.add_columns(func.count().over().label("total"))
        .order_by(facts.c.date, facts.c.rank, facts.c.fact_id)
        .limit(bindparam("limit", type_=BigInteger))
        .offset(bindparam("offset", type_=BigInteger))
    )
    return page, select(func.count()).select_from(statement.subquery())


def timeline_page(
    *,
    session: Session,
    page: PageParams,
    entity: str | None,
    date_from: str | None,
    date_to: str | None,
) -> tuple[list[dict[str, Any]], int]:
    statement, count = _statements(
        about_one=entity is not None, since=bool(date_from), until=bool(date_to)
    )
    params: dict[str, Any] = {"limit": page.limit, "offset": page.offset}
    if entity is not None:
        params["entity"] = entity
    if date_from:
        params |= day_parameters("since", period_start(date_from))
    if date_to:
        params |= day_parameters("until", period_end(date_to))
    rows = session.execute(statement, params).all()
    total = rows[0].total if rows else session.scalar(count, params) or 0
    # An entity with no dated fact may not exist at all (one with facts does).
    if not total and entity is not None and session.get(Entity, entity) is None:
        raise UnknownReferenceError("entity", entity)
    return _hydrate(session, [(r.date, r.kind, r.fact_id, r.end_date) for r in rows]), total


def _hydrate(
    session: Session, rows: list[tuple[str, str, str, str | None]]
) -> list[dict[str, Any]]:
    ids: dict[str, set[str]] = defaultdict(set)
    for _, kind, fact_id, _end in rows:
        ids[kind.split("_")[0]].add(fact_id)
    life = ids["founding"] | ids["dissolution"] | ids["birth"] | ids["death"]
    # A life date is the entity's own field, or one claim of a disputed field.
    disputes = _by_id(session, Claim, life)
    rival_values: dict[tuple[str, str], list[str]] = defaultdict(list)
    if disputes:
        for c in session.execute(
            select(CLAIM).where(CLAIM.c.entity_id.in_({d.entity_id for d in disputes.values()}))
        ):
            rival_values[(c.entity_id, c.field)].append(c.value)
    entity_ids = (life - set(disputes)) | ids["event"]
    aliases = _by_id(session, Alias, ids["renaming"])
    memberships = _by_id(session, Membership, ids["membership"])
    relations = _by_id(session, Relation, ids["relation"])
    participants: dict[str, list[str]] = defaultdict(list)
    if ids["event"]:
        for row in session.execute(
            select(Participation.event_id, Participation.entity_id).where(
                Participation.event_id.in_(ids["event"])
            )
        ):
            participants[row.event_id].append(row.entity_id)
    referenced = set(entity_ids) | {a.entity_id for a in aliases.values()}
    referenced |= {d.entity_id for d in disputes.values()}
    referenced |= {m.person_id for m in memberships.values()} | {
        m.organisation_id for m in memberships.values()
    }
    referenced |= {r.subject_id for r in relations.values()} | {
        r.object_id for r in relations.values()
    }
    referenced |= {e for ps in participants.values() for e in ps}
    refs = load_refs(session, referenced)
    # A disputed date's own evidence is its preferred claim's sources.
    claims = (
        {
            (c.entity_id, c.field): c.id
            for c in session.execute(
                select(CLAIM).where(CLAIM.c.entity_id.in_(entity_ids), CLAIM.c.preferred.is_(True))
            )
        }
        if entity_ids
        else {}
    )
    sources = _sources(
        session,
        entity_ids,
        set(aliases),
        set(memberships),
        set(relations),
        set(claims.values()) | set(disputes),
    )

    items = []
    for date, kind, fact_id, end_date in rows:
        item: dict[str, Any] = {"date": date, "end_date": None, "kind": kind, "disputed": False}
        if kind in DATE_FIELDS and fact_id in disputes:
            c = disputes[fact_id]
            ref = refs[c.entity_id]
            values = sorted(rival_values[(c.entity_id, c.field)])
            item |= {
                "summary": f"{ref['name']} {_LIFE_VERBS[kind]} "
                f"(disputed: the sources give {' or '.join(values)})",
                "entities": [ref],
                "sources": sources.get(fact_id, []),
                "disputed": True,
            }
        elif kind in DATE_FIELDS:
            ref = refs[fact_id]
            item |= {"summary": f"{ref['name']} {_LIFE_VERBS[kind]}", "entities": [ref]}
            claim = claims.get((fact_id, DATE_FIELDS[kind]))
            item["sources"] = (
                sources[claim] if claim else _mentioning(sources.get(fact_id, []), date)
            )
        elif kind == "event":
            ref = refs[fact_id]
            item |= {
                "end_date": end_date if end_date != date else None,
                "summary": ref["name"],
                "entities": [ref] + [refs[e] for e in participants[fact_id]],
                "sources": sources.get(fact_id, []),
            }
        elif kind == "renaming":
            alias = aliases[fact_id]
            ref = refs[alias.entity_id]
            item |= {
                "summary": f"renamed {alias.name}",
                "entities": [ref],
                "sources": sources.get(fact_id, []),
            }
        elif kind.startswith("membership"):
            m = memberships[fact_id]
            person, org = refs[m.person_id], refs[m.organisation_id]
            edge = "became" if kind.endswith("start") else "ceased to be"
            item |= {
                "summary": f"{person['name']} {edge} {m.role} of {org['name']}",
                "entities": [person, org],
                "sources": sources.get(fact_id, []),
            }
        else:
            r = relations[fact_id]
            subject, obj = refs[r.subject_id], refs[r.object_id]
            verb = r.relation.replace("_", " ")
            when = "begins" if kind.endswith("start") else "ends"
            item |= {
                "summary": f"{subject['name']} {verb} {obj['name']} ({when})",
                "entities": [subject, obj],
                "sources": sources.get(fact_id, []),
            }
        items.append(item)
    return items


def _by_id(session: Session, model: Any, ids: set[str]) -> dict[str, Any]:
    if not ids:
        return {}
    table = model.__table__
    return {row.id: row for row in session.execute(select(table).where(table.c.id.in_(ids)))}


def _sources(
    session: Session,
    entity_ids: set[str],
    alias_ids: set[str],
    membership_ids: set[str],
    relation_ids: set[str],
    claim_ids: set[str],
) -> dict[str, list[dict[str, str]]]:
    conditions = [
        column.in_(ids)
        for column, ids in (
            (SOURCE.c.entity_id, entity_ids),
            (SOURCE.c.alias_id, alias_ids),
            (SOURCE.c.membership_id, membership_ids),
            (SOURCE.c.relation_id, relation_ids),
            (SOURCE.c.claim_id, claim_ids),
        )
        if ids
    ]
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    if not conditions:
        return out
    for source in session.execute(select(SOURCE).where(or_(*conditions)).order_by(SOURCE.c.id)):
        target = (
            source.entity_id
            or source.alias_id
            or source.membership_id
            or source.relation_id
            or source.claim_id
        )
        assert target is not None
        out[target].append({"citation": source.citation_id, "quote": source.quote})
    return out


def _mentioning(sources: list[dict[str, str]], date: str) -> list[dict[str, str]]:
    """An entity's sources that mention the year of the date: the ones stating it."""
    year = date[:4]
    return [s for s in sources if year in s["quote"]] or sources
