"""List pages: every sort and period filter gives, page after page, exactly the rows
and the order that the whole list, sorted and filtered in Python, gives."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.dates import period_end, period_start


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


@pytest.mark.parametrize(("date_from", "date_to"), PERIODS)
@pytest.mark.parametrize("sort", ["id", "-name", "start_date", "-start_date"])
def test_a_period_keeps_exactly_the_events_it_overlaps(
    client: TestClient, date_from: str | None, date_to: str | None, sort: str
) -> None:
    everything = _walk(client, "/v1/events?limit=200")
    query = "".join(
        f"&{name}={value}" for name, value in (("from", date_from), ("to", date_to)) if value
    )
    found = _walk(client, f"/v1/events?sort={sort}&limit=4{query}")
    expected = [e for e in everything if _overlaps(e, date_from, date_to)]
    assert {e["id"] for e in found} == {e["id"] for e in expected}
    assert len(found) == len(expected)
    if sort.endswith("start_date"):
        descending = sort.startswith("-")
        assert [e["id"] for e in found] == _missing_last(expected, "start_date", descending)
