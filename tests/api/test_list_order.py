"""List pages: every sort and period filter gives, page after page, exactly the rows
and the order that the whole list, sorted and filtered in Python, gives."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.core.dates import period_end, period_start
from app.core.db import create_db_engine
from app.core.pagination import PageParams
from app.events.service import event_ids
from app.provenance import listing


def _walk(client: TestClient, url: str) -> list[dict[str, Any]]:
    """Every item, following ``next`` from ``url``; the totals agree on every page."""
    items: list[dict[str, Any]] = []
    totals = set()
    next_url: str | None = url
    while next_url:
        page = client.get(next_url).json()
        items += page["items"]
        totals.add(page["total"])
        next_url = page["next"]
    assert totals == {len(items)}
    return items


def _missing_last(items: list[dict[str, Any]], field: str, descending: bool) -> list[str]:
    present = sorted(
        ((i[field], i["id"]) for i in items if i[field] is not None), reverse=descending
    )
    missing = sorted((i["id"] for i in items if i[field] is None), reverse=descending)
    return [entity_id for _, entity_id in present] + missing


@pytest.mark.parametrize(
    ("path", "field"),
    [("/v1/organisations", "founding_date"), ("/v1/events", "start_date")],
)
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [1, 3, 7])
def test_a_date_sort_puts_undated_rows_last_on_every_page(
    client: TestClient, path: str, field: str, descending: bool, limit: int
) -> None:
    everything = _walk(client, f"{path}?limit=200")
    assert any(i[field] is None for i in everything), "the seed has undated rows"
    sort = f"-{field}" if descending else field
    paged = _walk(client, f"{path}?sort={sort}&limit={limit}")
    assert [i["id"] for i in paged] == _missing_last(everything, field, descending)


@pytest.mark.parametrize("path", ["/v1/organisations", "/v1/people", "/v1/events", "/v1/places"])
def test_the_id_sort_pages_through_every_row_in_id_order(client: TestClient, path: str) -> None:
    ids = [i["id"] for i in _walk(client, f"{path}?limit=200")]
    assert [i["id"] for i in _walk(client, f"{path}?sort=-id&limit=9")] == sorted(ids, reverse=True)
    assert [i["id"] for i in _walk(client, f"{path}?limit=9")] == sorted(ids)


def _overlaps(event: dict[str, Any], date_from: str | None, date_to: str | None) -> bool:
    start, end = event["start_date"], event["end_date"] or event["start_date"]
    if start is None:
        return False
    after = date_from is None or period_end(end) >= period_start(date_from)
    before = date_to is None or period_start(start) <= period_end(date_to)
    return after and before


PERIODS = [
    ("2011", "2011"),
    ("2011-12", "2011-12"),
    ("2011-12-16", "2011-12-16"),
    ("2011-12-17", None),
    (None, "2011-12-15"),
    ("2004", "2012-06"),
    ("1991", "1999"),
    ("2022-01", "2022-01-05"),
    ("2020", None),
    (None, "2008"),
]


def _in_order(events: list[dict[str, Any]], sort: str) -> list[str]:
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    if key == "start_date":
        return _missing_last(events, "start_date", descending)
    ordered = sorted(events, key=lambda e: (e["name"], e["id"]) if key == "name" else e["id"])
    return [e["id"] for e in (ordered[::-1] if descending else ordered)]


def _period_query(date_from: str | None, date_to: str | None) -> str:
    return "".join(
        f"&{name}={value}" for name, value in (("from", date_from), ("to", date_to)) if value
    )


@pytest.mark.parametrize(("date_from", "date_to"), PERIODS)
@pytest.mark.parametrize("sort", ["id", "-id", "name", "-name", "start_date", "-start_date"])
def test_a_period_keeps_exactly_the_events_it_overlaps(
    client: TestClient, date_from: str | None, date_to: str | None, sort: str
) -> None:
    # Early pages of a long period are read by walking the sort's index, later ones by
    # sorting the period's events (app.provenance.listing.Walk): one order throughout.
    everything = _walk(client, "/v1/events?limit=200")
    found = _walk(client, f"/v1/events?sort={sort}&limit=4{_period_query(date_from, date_to)}")
    expected = [e for e in everything if _overlaps(e, date_from, date_to)]
    assert [e["id"] for e in found] == _in_order(expected, sort)


@pytest.mark.parametrize("walked", [False, True])
@pytest.mark.parametrize("sort", ["id", "-id", "name", "-name"])
def test_a_period_gives_the_same_pages_walked_or_sorted(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, sort: str, walked: bool
) -> None:
    everything = _walk(client, "/v1/events?limit=200")
    monkeypatch.setattr(listing, "walk_is_shorter", lambda *_args: walked)
    for date_from, date_to in PERIODS:
        query = _period_query(date_from, date_to)
        found = _walk(client, f"/v1/events?sort={sort}&limit=3{query}")
        expected = [e for e in everything if _overlaps(e, date_from, date_to)]
        assert [e["id"] for e in found] == _in_order(expected, sort), query


def test_the_walk_is_taken_when_it_reads_fewer_rows_than_the_sort() -> None:
    # Walking reads about (offset + limit) * population / total rows; sorting, total.
    first_page, far_page = PageParams(20, 0), PageParams(20, 2000)
    assert listing.walk_is_shorter(first_page, total=5_000, population=20_000)
    assert not listing.walk_is_shorter(far_page, total=5_000, population=20_000)
    assert not listing.walk_is_shorter(first_page, total=500, population=20_000)
    assert not listing.walk_is_shorter(first_page, total=0, population=20_000)


def test_walked_and_sorted_pages_agree_where_names_and_ids_sort_apart(migrated_url: str) -> None:
    # The seed's event ids are their names' slugs, so its name order is its id order.
    # Here names run against ids, several share a name, and periods keep some of each.
    rng = random.Random(5)
    events = []
    for n in range(60):
        name = "".join(rng.choice("abc") for _ in range(3))  # lowercase: one collation
        year = 2000 + rng.randrange(12)
        end = str(year + rng.randrange(3)) if rng.random() < 0.3 else None
        events.append((f"e{n:02d}", name, str(year), end))
    engine = create_db_engine(migrated_url)
    try:
        with engine.begin() as connection:
            for event_id, name, start, end in events:
                connection.execute(
                    text("INSERT INTO entity (id, type, name) VALUES (:i, 'event', :n)"),
                    {"i": event_id, "n": name},
                )
                connection.execute(
                    text("INSERT INTO event (id, start_date, end_date) VALUES (:i, :s, :e)"),
                    {"i": event_id, "s": start, "e": end},
                )
        statements: list[str] = []
        event.listen(engine, "before_cursor_execute", _recorded(statements))
        how_read: Counter[str] = Counter()
        with Session(engine) as session:
            for date_from, date_to in [("2003", "2006"), ("2010", None), (None, "2001")]:
                kept = [
                    {"id": i, "name": n, "start_date": s, "end_date": e}
                    for i, n, s, e in events
                    if _overlaps({"start_date": s, "end_date": e}, date_from, date_to)
                ]
                for sort in ("id", "-id", "name", "-name"):
                    expected = _in_order(kept, sort)
                    if "name" in sort:  # the case the seed cannot show
                        assert expected != _in_order(kept, sort.replace("name", "id"))
                    for walked in (False, True):
                        read = _event_pages(
                            session, sort, date_from, date_to, walked, statements, how_read
                        )
                        assert read == expected, (date_from, date_to, sort, walked)
    finally:
        engine.dispose()
    if migrated_url.startswith("sqlite"):
        # Pages worth walking were walked, and walks that did not fill their page
        # within the rows sorting reads were read sorted; the others were sorted.
        assert how_read["worth walking: walked"] > 10
        assert how_read["worth walking: walked, then sorted"] > 10
        assert set(how_read) == {
            "worth walking: walked",
            "worth walking: walked, then sorted",
            "not worth walking: sorted",
        }
    else:  # PostgreSQL's planner chooses: the page is always the sorted statement
        assert set(how_read) == {"worth walking: sorted", "not worth walking: sorted"}


def _recorded(statements: list[str]) -> Callable[..., None]:
    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    return record


def _event_pages(
    session: Session,
    sort: str,
    date_from: str | None,
    date_to: str | None,
    walked: bool,
    statements: list[str],
    how_read: Counter[str],
) -> list[str]:
    """Every page of 4 event ids, each page walked (when worth it, as told) or sorted;
    ``how_read`` counts which, from the statements the page ran."""
    ids: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(listing, "walk_is_shorter", lambda *_args: walked)
        while True:
            statements.clear()
            page, total = event_ids(
                session=session,
                sort=sort,
                page=PageParams(4, len(ids)),
                date_from=date_from,
                date_to=date_to,
            )
            ran_walk = any("walked" in s for s in statements)
            ran_sort = any("ORDER BY" in s and "walked" not in s for s in statements)
            how = ("walked, then sorted" if ran_sort else "walked") if ran_walk else "sorted"
            how_read[f"{'worth' if walked else 'not worth'} walking: {how}"] += 1
            ids += page
            if len(ids) >= total or not page:
                return ids
