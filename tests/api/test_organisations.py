"""GET /v1/organisations and /v1/organisations/{id}: the contract body with sources."""

from __future__ import annotations

from fastapi.testclient import TestClient

SMK = "/v1/organisations/socialist-movement-of-kazakhstan"


def test_the_richest_entity_has_the_contract_body(client: TestClient) -> None:
    response = client.get(SMK)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "socialist-movement-of-kazakhstan"
    assert body["type"] == "organisation"
    assert body["name"] == "Socialist Movement of Kazakhstan"
    assert body["headquarters"] == {"id": "almaty", "type": "place", "name": "Almaty"}
    assert body["website"] == "socialismkz.info"
    for key in (
        "classification",
        "founding_date",
        "dissolution_date",
        "memberships",
        "relations",
        "events",
    ):
        assert key in body
    assert body["sources"]
    assert all({"citation", "quote"} == set(s) for s in body["sources"])


def test_aliases_cover_languages_scripts_kinds_and_the_former_name(client: TestClient) -> None:
    aliases = client.get(SMK).json()["aliases"]
    langs = {a["lang"] for a in aliases}
    assert {"en", "kk-Cyrl", "kk-Latn", "ru-Cyrl", "ru-Latn"} <= langs
    kinds = {a["kind"] for a in aliases}
    assert {"official", "former", "abbreviation", "romanization"} <= kinds
    former = next(a for a in aliases if a["name"] == "Socialist Resistance of Kazakhstan")
    assert (former["kind"], former["start_date"], former["end_date"]) == (
        "former",
        "2006",
        "2011-05-07",
    )
    assert all(a["sources"] for a in aliases)


def test_the_disputed_founding_date_shows_both_values_with_their_sources(
    client: TestClient,
) -> None:
    body = client.get(SMK).json()
    claims = {c["value"]: c["sources"] for c in body["disputed"]["founding_date"]}
    assert set(claims) == {"2006-02-21", "2006-05-21"}
    assert claims["2006-02-21"][0]["citation"] == "ref-2"
    assert body["founding_date"] == "2006-02-21"


def test_memberships_relations_and_events_carry_references_and_sources(client: TestClient) -> None:
    body = client.get(SMK).json()
    chair = next(m for m in body["memberships"] if m["role"] == "chairperson")
    assert chair["person"] == {"id": "ainur-kurmanov", "type": "person", "name": "Ainur Kurmanov"}
    section = next(r for r in body["relations"] if r["relation"] == "section_of")
    assert section["target"]["id"] == "committee-for-a-workers-international"
    assert section["direction"] == "outgoing"
    assert section["start_date"].startswith("2002")
    assert section["sources"][0]["citation"] == "ref-1"
    events = {e["event"]["id"] for e in body["events"]}
    assert "zhanaozen-strike-and-shootings" in events
    for fact in body["memberships"] + body["relations"] + body["events"]:
        assert fact["sources"], fact


def test_incoming_relations_are_listed_on_their_target(client: TestClient) -> None:
    cwi = client.get("/v1/organisations/committee-for-a-workers-international").json()
    incoming = {
        (r["relation"], r["target"]["id"]) for r in cwi["relations"] if r["direction"] == "incoming"
    }
    assert ("section_of", "socialist-movement-of-kazakhstan") in incoming


def test_the_list_pages_through_every_organisation_once(client: TestClient) -> None:
    seen: list[str] = []
    url: str | None = "/v1/organisations?limit=7"
    total = None
    while url:
        page = client.get(url).json()
        total = page["total"]
        assert page["limit"] == 7
        seen += [item["id"] for item in page["items"]]
        url = page["next"]
    assert total is not None
    assert len(seen) == total >= 35
    assert seen == sorted(seen)


def test_the_list_sorts_by_name_and_founding_date(client: TestClient) -> None:
    names = [
        i["name"] for i in client.get("/v1/organisations?sort=-name&limit=200").json()["items"]
    ]
    assert names == sorted(names, reverse=True)
    dated = [
        i["founding_date"]
        for i in client.get("/v1/organisations?sort=founding_date&limit=200").json()["items"]
    ]
    present = [d for d in dated if d is not None]
    assert present == sorted(present)
    assert dated[: len(present)] == present, "undated come last"
