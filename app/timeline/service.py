"""Every dated fact in chronological order, paged in SQL.

One UNION ALL of small SELECTs, one per kind of dated fact, each giving
(date, kind, fact id); ordered by the date as stored and paged in the database.
Partial dates sort by their text, which is chronological at each precision and
puts a year before its months and a month before its days: 2011 < 2011-05-07 <
2011-12 < 2012-06-05. Only the page is then hydrated, with a fixed number of
queries.

Each branch also gives what its fact says of whom (``subject``, ``object``, ``label``:
a membership's person, organisation and role; a relation's two entities and its
kind; a renaming's entity and new name; a claim's entity), so hydrating a page reads
only what the union cannot give: the claims of its entities, the participants of its
events, the names of everyone involved and the sources. Four round trips at most
after the page's, where a page of every kind took nine: on PostgreSQL, each is a wait
on the server.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any, NamedTuple

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
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.core.date_sql import bound_lasts_until, bound_starts_by, day_parameters
from app.core.dates import period_end, period_start
from app.core.driver_sql import driver_rows
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
# Every statement runs as driver SQL compiled once (``driver_rows``), its rows plain
# named tuples: through the session, SQLAlchemy's own work per statement was most of a
# timeline's cost (docs/performance.md).
CLAIM, SOURCE = Claim.__table__, Source.__table__


def _branch(
    kind: str,
    date: Any,
    fact_id: Any,
    table: Any,
    *,
    end_date: Any = None,
    subject: Any = None,
    object_: Any = None,
    label: Any = None,
) -> Select[Any]:
    """One kind of dated fact; ``end_date`` is an event's. The fact's ``subject`` (its
    own id when not given), ``object`` and ``label`` are read here, not hydrated."""

    def text(column: Any) -> Any:
        # VARCHAR without a length: on PostgreSQL a cast to VARCHAR(n) cuts what is longer.
        return (null() if column is None else column).cast(String())

    return (
        select(
            date.label("date"),
            literal(KINDS.index(kind)).label("rank"),
            literal(kind, String(20)).label("kind"),
            fact_id.label("fact_id"),
            text(end_date).label("end_date"),
            text(fact_id if subject is None else subject).label("subject"),
            text(object_).label("object"),
            text(label).label("label"),
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
        branch = _branch(kind, claim.c.value, claim.c.id, claim, subject=claim.c.entity_id)
        return branch.where(claim.c.field == DATE_FIELDS[kind]), about(claim.c.entity_id)

    def membership_edge(kind: str, date: Any) -> tuple[Select[Any], ColumnElement[bool] | None]:
        m = membership.c
        branch = _branch(
            kind,
            date,
            m.id,
            membership,
            subject=m.person_id,
            object_=m.organisation_id,
            label=m.role,
        )
        return branch, about(m.person_id, m.organisation_id)

    def relation_edge(kind: str, date: Any) -> tuple[Select[Any], ColumnElement[bool] | None]:
        r = relation.c
        branch = _branch(
            kind, date, r.id, relation, subject=r.subject_id, object_=r.object_id, label=r.relation
        )
        return branch, about(r.subject_id, r.object_id)

    parts: list[tuple[Select[Any], ColumnElement[bool] | None]] = [
        dated("founding", ORG.founding_date, Organisation.__table__),
        dated("dissolution", ORG.dissolution_date, Organisation.__table__),
        dated("birth", PERSON.birth_date, Person.__table__),
        dated("death", PERSON.death_date, Person.__table__),
        *(claims(kind) for kind in DATE_FIELDS),
        (
            _branch("event", EVENT.start_date, EVENT.id, Event.__table__, end_date=EVENT.end_date),
            events_of,
        ),
        (
            _branch(
                "renaming",
                alias.c.start_date,
                alias.c.id,
                alias,
                subject=alias.c.entity_id,
                label=alias.c.name,
            ).where(alias.c.lang == "en", alias.c.kind == "official"),
            about(alias.c.entity_id),
        ),
        membership_edge("membership_start", membership.c.start_date),
        membership_edge("membership_end", membership.c.end_date),
        relation_edge("relation_start", relation.c.start_date),
        relation_edge("relation_end", relation.c.end_date),
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
    connection = session.connection()
    rows = driver_rows(connection, statement, params)
    total = rows[0].total if rows else driver_rows(connection, count, params)[0][0] or 0
    # An entity with no dated fact may not exist at all (one with facts does).
    if not total and entity is not None and session.get(Entity, entity) is None:
        raise UnknownReferenceError("entity", entity)
    facts = [
        _Dated(r.date, r.kind, r.fact_id, r.end_date, r.subject, r.object, r.label) for r in rows
    ]
    return _hydrate(connection, facts), total


# Built once, each request binding its ids: ``driver_rows`` compiles a statement once.
_CLAIMS_OF = select(CLAIM).where(CLAIM.c.entity_id.in_(bindparam("ids", expanding=True)))
_PARTICIPANTS_OF = select(Participation.event_id, Participation.entity_id).where(
    Participation.event_id.in_(bindparam("ids", expanding=True))
)


class _Dated(NamedTuple):
    """A row of the page: a dated fact, and what it says of whom."""

    date: str
    kind: str
    fact_id: str
    end_date: str | None
    subject: str  # the entity it is about (a membership's person, a relation's subject)
    object: str | None  # a membership's organisation, a relation's object
    label: str | None  # a membership's role, a relation's kind, a renaming's new name


def _hydrate(connection: Connection, rows: list[_Dated]) -> list[dict[str, Any]]:
    life = [r for r in rows if r.kind in DATE_FIELDS]
    events = {r.fact_id for r in rows if r.kind == "event"}
    # The claims of every entity with a life date on the page, in one read: a date
    # that is one claim of a disputed field (its row's fact is the claim), its rivals,
    # and the preferred claim of a field (whose sources are the date's evidence).
    claims_of: dict[str, list[Any]] = defaultdict(list)
    about = {r.subject for r in life} | events
    if about:
        for c in driver_rows(connection, _CLAIMS_OF, {"ids": sorted(about)}):
            claims_of[c.entity_id].append(c)
    claim_by_id = {c.id: c for claims in claims_of.values() for c in claims}
    disputes = {r.fact_id: claim_by_id[r.fact_id] for r in life if r.fact_id in claim_by_id}
    entity_ids = {r.fact_id for r in life if r.fact_id not in disputes} | events
    preferred = {
        (c.entity_id, c.field): c.id
        for entity_id in entity_ids
        for c in claims_of.get(entity_id, ())
        if c.preferred
    }
    participants: dict[str, list[str]] = defaultdict(list)
    if events:
        for p in driver_rows(connection, _PARTICIPANTS_OF, {"ids": sorted(events)}):
            participants[p.event_id].append(p.entity_id)
    referenced = {r.subject for r in rows} | {r.object for r in rows if r.object is not None}
    referenced |= {e for ps in participants.values() for e in ps}
    refs = load_refs(connection, referenced)
    sources = _sources(
        connection,
        entity_ids,
        {r.fact_id for r in rows if r.kind == "renaming"},
        {r.fact_id for r in rows if r.kind.startswith("membership")},
        {r.fact_id for r in rows if r.kind.startswith("relation")},
        set(preferred.values()) | set(disputes),
    )

    items = []
    for row in rows:
        date, kind, fact_id = row.date, row.kind, row.fact_id
        # Keys in TimelineItem's order, values of its types: the page is encoded as it is
        # (app.core.responses.page_response), not through the model.
        item: dict[str, Any] = {"date": date, "end_date": None, "kind": kind}
        if kind in DATE_FIELDS and fact_id in disputes:
            c = disputes[fact_id]
            ref = refs[c.entity_id]
            values = sorted(r.value for r in claims_of[c.entity_id] if r.field == c.field)
            item |= {
                "summary": f"{ref['name']} {_LIFE_VERBS[kind]} "
                f"(disputed: the sources give {' or '.join(values)})",
                "entities": [ref],
                "disputed": True,
                "sources": sources.get(fact_id, []),
            }
        elif kind in DATE_FIELDS:
            ref = refs[fact_id]
            claim = preferred.get((fact_id, DATE_FIELDS[kind]))
            item |= {
                "summary": f"{ref['name']} {_LIFE_VERBS[kind]}",
                "entities": [ref],
                "disputed": False,
                "sources": (
                    sources[claim] if claim else _mentioning(sources.get(fact_id, []), date)
                ),
            }
        elif kind == "event":
            ref = refs[fact_id]
            item |= {
                "end_date": row.end_date if row.end_date != date else None,
                "summary": ref["name"],
                "entities": [ref] + [refs[e] for e in participants[fact_id]],
                "disputed": False,
                "sources": sources.get(fact_id, []),
            }
        elif kind == "renaming":
            item |= {
                "summary": f"renamed {row.label}",
                "entities": [refs[row.subject]],
                "disputed": False,
                "sources": sources.get(fact_id, []),
            }
        elif kind.startswith("membership"):
            person, org = refs[row.subject], refs[str(row.object)]
            edge = "became" if kind.endswith("start") else "ceased to be"
            item |= {
                "summary": f"{person['name']} {edge} {row.label} of {org['name']}",
                "entities": [person, org],
                "disputed": False,
                "sources": sources.get(fact_id, []),
            }
        else:
            subject, obj = refs[row.subject], refs[str(row.object)]
            verb = str(row.label).replace("_", " ")
            when = "begins" if kind.endswith("start") else "ends"
            item |= {
                "summary": f"{subject['name']} {verb} {obj['name']} ({when})",
                "entities": [subject, obj],
                "disputed": False,
                "sources": sources.get(fact_id, []),
            }
        items.append(item)
    return items


def _sources(
    connection: Connection,
    entity_ids: set[str],
    alias_ids: set[str],
    membership_ids: set[str],
    relation_ids: set[str],
    claim_ids: set[str],
) -> dict[str, list[dict[str, str]]]:
    wanted = {
        column: sorted(ids)
        for column, ids in (
            ("entity_id", entity_ids),
            ("alias_id", alias_ids),
            ("membership_id", membership_ids),
            ("relation_id", relation_ids),
            ("claim_id", claim_ids),
        )
        if ids
    }
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    if not wanted:
        return out
    for source in driver_rows(connection, _sources_statement(tuple(wanted)), wanted):
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


@lru_cache(maxsize=32)
def _sources_statement(columns: tuple[str, ...]) -> Select[Any]:
    """The sources of the facts whose ids are bound to these columns' names, built once
    per set of columns (only those with ids are ORed: an empty IN list stops SQLite from
    answering the OR with one index per column)."""
    conditions = [SOURCE.c[column].in_(bindparam(column, expanding=True)) for column in columns]
    return select(SOURCE).where(or_(*conditions)).order_by(SOURCE.c.id)


def _mentioning(sources: list[dict[str, str]], date: str) -> list[dict[str, str]]:
    """An entity's sources that mention the year of the date: the ones stating it."""
    year = date[:4]
    return [s for s in sources if year in s["quote"]] or sources
