"""GET /v1/timeline: dated facts in chronological order, partial dates kept."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.core.dates import period_end, period_start
from app.core.pagination import Page
from app.timeline.schemas import TimelineItem


def _all(client: TestClient, **params: str) -> list[dict]:  # type: ignore[type-arg]
    items: list[dict] = []  # type: ignore[type-arg]
    url: str | None = "/v1/timeline"
    query: dict[str, str] | None = {**params, "limit": "7"}
    while url:
        page = client.get(url, params=query).json()
        items += page["items"]
        url, query = page["next"], None
    return items


def test_the_organisations_timeline_runs_from_the_cwi_section_to_2022(client: TestClient) -> None:
    items = _all(client, entity="socialist-movement-of-kazakhstan")
    dates = [i["date"] for i in items]
    assert dates == sorted(dates)
    section = next(i for i in items if i["kind"] == "relation_start" and "section" in i["summary"])
    assert section["date"].startswith("2002")
    assert items[0]["date"].startswith("2002")
    assert items[-1]["date"].startswith("2022")
    kinds = {i["kind"] for i in items}
    assert {"event", "founding", "renaming", "relation_start", "relation_end"} <= kinds
    for item in items:
        assert item["sources"], item
        assert item["summary"]


def test_partial_dates_keep_their_precision_and_sort_between_days(client: TestClient) -> None:
    items = _all(client)
    dates = [i["date"] for i in items]
    assert "2011-12" in dates
    assert dates.index("2011-05-07") < dates.index("2011-12") < dates.index("2012-06-05")


def test_the_founding_shows_the_better_supported_date_with_its_source(client: TestClient) -> None:
    items = _all(client, entity="socialist-movement-of-kazakhstan")
    founding = next(i for i in items if i["kind"] == "founding")
    assert founding["date"] == "2006-02-21"
    assert founding["sources"][0]["citation"] == "ref-2"


def test_from_and_to_bound_the_period(client: TestClient) -> None:
    items = _all(client, **{"from": "2011-12", "to": "2012"})
    assert items
    for item in items:
        assert item["date"][:7] >= "2011-12" or item["date"] == "2011"
        assert period_start(item["date"]) <= "2012-12-31"


@pytest.mark.parametrize(
    ("since", "until"),
    [("2011-12", "2012"), ("2011", "2011"), ("2011-12-16", "2011-12-17"), ("2006-02", None)],
)
@pytest.mark.parametrize("entity", [None, "socialist-movement-of-kazakhstan"])
def test_a_period_keeps_exactly_the_facts_whose_dates_overlap_it(
    client: TestClient, since: str, until: str | None, entity: str | None
) -> None:
    # Paged, with the filters as bound parameters of a statement built once: the same
    # facts as the whole timeline filtered by period arithmetic, in the same order.
    scope = {"entity": entity} if entity else {}
    everything = _all(client, **scope)
    period = {"from": since, **({"to": until} if until else {})}
    expected = [
        item
        for item in everything
        if period_end(item["date"]) >= period_start(since)
        and (until is None or period_start(item["date"]) <= period_end(until))
    ]
    assert expected
    assert _all(client, **scope, **period) == expected


def test_a_cursor_past_any_32_bit_offset_is_an_empty_page(client: TestClient) -> None:
    # The offset is a bound parameter of a statement built once: a 64-bit one.
    page = client.get("/v1/timeline", params={"from": "2006", "cursor": "o6238902651"})
    assert page.status_code == 200, page.text
    assert page.json()["items"] == []
    assert page.json()["total"] > 0


def test_bad_parameters_are_problems(client: TestClient) -> None:
    assert client.get("/v1/timeline?entity=nobody").status_code == 404
    assert client.get("/v1/timeline?from=2011-02-30").status_code == 422


def test_an_entitys_timeline_holds_the_events_it_took_part_in_or_that_happened_there(
    client: TestClient,
) -> None:
    for entity, filter_ in (
        ("almaty", "place"),
        ("socialist-movement-of-kazakhstan", "participant"),
    ):
        events = client.get(f"/v1/events?{filter_}={entity}&limit=200").json()["items"]
        dated = {e["id"] for e in events if e["start_date"]}
        assert dated
        items = _all(client, entity=entity)
        shown = {i["entities"][0]["id"] for i in items if i["kind"] == "event"}
        assert dated <= shown


def test_a_page_past_the_end_still_counts_every_fact(client: TestClient) -> None:
    every = _all(client, entity="socialist-movement-of-kazakhstan")
    past = client.get(
        "/v1/timeline", params={"entity": "socialist-movement-of-kazakhstan", "cursor": "o500"}
    ).json()
    assert past["items"] == []
    assert past["total"] == len(every)


def test_an_entity_with_no_dated_fact_has_an_empty_timeline_not_a_404(client: TestClient) -> None:
    response = client.get("/v1/timeline", params={"entity": "ussr"})
    assert response.status_code == 200
    assert response.json()["total"] == 0
    assert response.json()["items"] == []


def test_an_event_that_spans_days_shows_when_it_ended(client: TestClient) -> None:
    events = {e["id"]: e for e in client.get("/v1/events?limit=200").json()["items"]}
    items = [i for i in _all(client) if i["kind"] == "event"]
    assert any(i["end_date"] for i in items), "the seed has events that span days"
    for item in items:
        event = events[item["entities"][0]["id"]]
        expected = event["end_date"] if event["end_date"] != event["start_date"] else None
        assert item["end_date"] == expected


def test_the_served_pages_are_what_the_response_model_would_send(client: TestClient) -> None:
    # The route sends its items as built, not through Page[TimelineItem]: each must be
    # exactly what the model makes of it, keys in the model's order (the bytes, and so
    # the ETags, of the validated pages), and the envelope the model's too.
    response = client.get("/v1/timeline", params={"limit": "200"})
    page = response.json()
    kinds = {item["kind"] for item in page["items"]}
    assert {"event", "founding", "renaming", "membership_start", "relation_end"} <= kinds
    assert any(item["disputed"] for item in page["items"])
    model = Page[TimelineItem]
    assert model.model_validate(page).model_dump(mode="json") == page
    for item in page["items"]:
        assert list(TimelineItem.model_validate(item).model_dump(mode="json")) == list(item)
    assert response.content == model.model_validate(page).model_dump_json().encode()
