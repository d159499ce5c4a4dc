"""People, events, places, entities, citations and aliases."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_a_person_lists_their_memberships_with_organisation_references(client: TestClient) -> None:
    body = client.get("/v1/people/ainur-kurmanov").json()
    assert body["type"] == "person"
    organisations = {m["organisation"]["id"] for m in body["memberships"]}
    assert {"socialist-movement-of-kazakhstan", "zhanartu"} <= organisations


def test_an_event_has_dates_places_participants_and_figures(client: TestClient) -> None:
    body = client.get("/v1/events/2022-kazakh-unrest").json()
    assert body["start_date"] == "2022-01-02"
    assert {"zhanaozen", "almaty"} <= {p["id"] for p in body["places"]}
    assert all(p["sources"] for p in body["places"])
    killed = next(f for f in body["figures"] if f["value"] == 227)
    assert killed["qualifier"] == "exactly"
    arrested = next(f for f in body["figures"] if f["value"] == 9900)
    assert arrested["qualifier"] == "more_than"
    assert "socialist-movement-of-kazakhstan" in {p["entity"]["id"] for p in body["participants"]}


def test_events_filter_by_overlapping_period(client: TestClient) -> None:
    items = client.get("/v1/events?from=2011-12&to=2011-12&limit=200").json()["items"]
    assert "zhanaozen-strike-and-shootings" in {i["id"] for i in items}
    for item in items:
        start = item["start_date"]
        end = item["end_date"] or start
        assert start[:7] <= "2011-12" <= end[:7] or start[:4] <= "2011" <= end[:4]


def test_events_filter_by_participant_and_place(client: TestClient) -> None:
    by_participant = client.get(
        "/v1/events?participant=socialist-movement-of-kazakhstan&limit=200"
    ).json()
    assert by_participant["total"] >= 5
    for item in by_participant["items"]:
        assert "socialist-movement-of-kazakhstan" in {
            p["entity"]["id"] for p in item["participants"]
        }
    at_almaty = client.get("/v1/events?place=almaty&limit=200").json()["items"]
    assert at_almaty
    assert all("almaty" in {p["id"] for p in i["places"]} for i in at_almaty)


def test_events_sorted_by_start_date(client: TestClient) -> None:
    items = client.get("/v1/events?sort=start_date&limit=200").json()["items"]
    dates = [i["start_date"] for i in items if i["start_date"]]
    assert dates == sorted(dates)


def test_a_place_knows_what_it_is_part_of_and_what_happened_there(client: TestClient) -> None:
    body = client.get("/v1/places/almaty").json()
    assert body["part_of"]["id"] == "kazakhstan"
    assert "rock-for-free-education" in {e["event"]["id"] for e in body["events"]}


def test_any_entity_by_id_has_the_same_body_as_its_typed_endpoint(client: TestClient) -> None:
    for typed in (
        "/v1/organisations/zhanartu",
        "/v1/people/nursultan-nazarbayev",
        "/v1/events/zhanaozen-strike-and-shootings",
        "/v1/places/zhanaozen",
    ):
        entity_id = typed.rsplit("/", 1)[1]
        assert client.get(f"/v1/entities/{entity_id}").json() == client.get(typed).json()


def test_citations_list_the_nine_references_and_the_article(client: TestClient) -> None:
    page = client.get("/v1/citations").json()
    assert page["total"] == 10
    assert [c["id"] for c in page["items"]] == [f"ref-{n}" for n in range(1, 10)] + ["article"]
    ref3 = page["items"][2]
    assert ref3["language"] == "ru"
    assert ref3["title_en"]


def test_a_citation_lists_every_fact_that_cites_it(client: TestClient) -> None:
    body = client.get("/v1/citations/ref-2").json()
    assert body["cited_by"]
    kinds = {f["fact"] for f in body["cited_by"]}
    assert "claim" in kinds
    founding = next(f for f in body["cited_by"] if f["fact"] == "claim")
    assert founding["entity"]["id"] == "socialist-movement-of-kazakhstan"
    assert "20 to 21 February 2006" in founding["quote"]


def test_aliases_filter_ignores_case_and_diacritics(client: TestClient) -> None:
    upper = client.get("/v1/aliases", params={"q": "СОЦИАЛИСТИЧЕСКОЕ"}).json()
    assert upper["total"] >= 2
    assert all("социалистическое" in a["name"].lower() for a in upper["items"])
    no_marks = client.get("/v1/aliases", params={"q": "socialisticeskoe"}).json()
    assert {a["name"] for a in no_marks["items"]} >= {"Socialističeskoe Dvizheniye Kazahstana"}
    assert all(
        a["entity"]["type"] in {"organisation", "person", "event", "place"}
        for a in no_marks["items"]
    )


def test_aliases_filter_by_language_and_kind(client: TestClient) -> None:
    items = client.get("/v1/aliases?lang=ru-Cyrl&kind=abbreviation").json()["items"]
    assert {"СДК", "ССК", "СоцСопр"} <= {a["name"] for a in items}


def test_like_wildcards_in_the_alias_filter_are_literal(client: TestClient) -> None:
    assert client.get("/v1/aliases", params={"q": "%"}).json()["total"] == 0
    assert client.get("/v1/aliases", params={"q": "_"}).json()["total"] == 0


def test_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
