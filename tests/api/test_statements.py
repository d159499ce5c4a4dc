"""Statements: typed facts with their vocabulary, on every body and listed across the base."""

from __future__ import annotations

from fastapi.testclient import TestClient

SMK = "socialist-movement-of-kazakhstan"


def test_the_vocabulary_is_served_with_value_and_subject_types(client: TestClient) -> None:
    body = client.get("/v1/properties").json()
    by_id = {p["id"]: p for p in body["items"]}
    assert body["total"] == len(by_id) >= 15
    assert by_id["ideology"]["value_types"] == ["entity"]
    assert "organisation" in by_id["ideology"]["subject_types"]
    assert client.get("/v1/properties/demand").json()["label"] == "demand"
    missing = client.get("/v1/properties/favourite_colour")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_which_organisations_are_trotskyist_is_one_query(client: TestClient) -> None:
    body = client.get("/v1/statements", params={"property": "ideology", "value": "trotskyism"})
    items = body.json()["items"]
    subjects = {s["subject"]["id"]: s for s in items}
    assert {"committee-for-a-workers-international", "workers-resistance", SMK} <= set(subjects)
    assert len(subjects) == len(items)  # one statement per subject: no duplicated facts
    # The organisation has moved away from Trotskyism: the statement says so.
    assert subjects[SMK]["qualifier"] == "former"
    for statement in items:
        assert statement["value"]["entity"]["id"] == "trotskyism"
        assert statement["sources"]
    by_name = client.get("/v1/statements", params={"property": "ideology", "value": "Trotskyism"})
    assert by_name.json()["total"] == len(items)


def test_what_the_organisation_demands_is_one_query_with_reference_7(client: TestClient) -> None:
    items = client.get(
        "/v1/statements", params={"subject": SMK, "property": "demand", "limit": 200}
    ).json()["items"]
    assert len(items) == 7
    texts = {s["value"].get("text") for s in items}
    assert "the release of political prisoners" in texts
    assert all(s["sources"][0]["citation"] == "ref-7" for s in items)


def test_references_8_and_9_support_policy_statements(client: TestClient) -> None:
    citations = {
        citation: client.get(f"/v1/citations/{citation}").json()["cited_by"]
        for citation in ("ref-8", "ref-9")
    }
    for cited in citations.values():
        assert any(f["fact"] == "statement" for f in cited)


def test_every_body_has_statements_with_stable_ids_and_typed_values(client: TestClient) -> None:
    body = client.get(f"/v1/organisations/{SMK}").json()
    assert body["statements"]
    for statement in body["statements"]:
        assert statement["id"].startswith("st_")
        kind = statement["value"]["type"]
        assert (
            statement["value"][
                {"entity": "entity", "text": "text", "date": "date"}.get(kind, "amount")
            ]
            is not None
        )
    concept = client.get("/v1/entities/trotskyism").json()
    assert (concept["type"], concept["classification"]) == ("concept", "ideology")


def test_an_unknown_property_is_a_422_naming_the_parameter(client: TestClient) -> None:
    response = client.get("/v1/statements", params={"property": "nope"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "property"]


def test_the_organisation_existed_in_2003_as_the_cwi_section(client: TestClient) -> None:
    as_of = client.get(f"/v1/organisations/{SMK}", params={"as_of": "2003"}).json()["as_of"]
    assert as_of["existed"] is True
    before = client.get(f"/v1/organisations/{SMK}", params={"as_of": "2001"}).json()["as_of"]
    assert before["existed"] is False
    between = client.get(f"/v1/organisations/{SMK}", params={"as_of": "2006-03"}).json()
    assert "2006-02-21 or 2006-05-21" in between["as_of"]["note"]


def test_the_timeline_shows_both_disputed_founding_dates(client: TestClient) -> None:
    items = client.get("/v1/timeline", params={"entity": SMK, "to": "2006-12"}).json()["items"]
    founding = [i for i in items if i["kind"] == "founding"]
    assert [(i["date"], i["disputed"]) for i in founding] == [
        ("2006-02-21", True),
        ("2006-05-21", True),
    ]
    assert [i["sources"][0]["citation"] for i in founding] == ["ref-2", "article"]


def test_each_government_is_its_own_entity(client: TestClient) -> None:
    governments = client.get("/v1/entities/government-of-kazakhstan").json()["relations"]
    parts = {r["target"]["id"] for r in governments if r["relation"] == "part_of"}
    assert len(parts) == 3
