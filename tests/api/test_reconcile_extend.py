"""Data extension (W3C Reconciliation API 0.2): property values for reconciled entities.

The answers' shapes are checked against the official schemas in
``test_reconcile_schemas.py``; these tests need nothing outside the checkout.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.reconcile.properties import (
    DateValue,
    EntityValue,
    NumberValue,
    TextValue,
    TypeValue,
    Value,
    cell,
)
from tests.api.test_query_count import count_statements

SMK = "socialist-movement-of-kazakhstan"
# A column of ten names, in two scripts, each reconciled to its organisation.
COLUMN = {
    "СДК": SMK,
    "People's Party of Kazakhstan": "peoples-party-of-kazakhstan",
    "Socialist Party of Kazakhstan": "socialist-party-of-kazakhstan",
    "Russian Socialist Movement": "russian-socialist-movement",
    "Workers Resistance": "workers-resistance",
    "Pyotr Alexeyev Resistance Movement": "pyotr-alexeyev-resistance-movement",
    "Coalition of Democratic Forces": "coalition-of-democratic-forces",
    "Zhanartu": "zhanartu",
    "Nur Otan": "nur-otan",
    "Communist Party of Kazakhstan": "communist-party-of-kazakhstan",
}
THREE = [{"id": "founding_date"}, {"id": "chairperson"}, {"id": "aliases@ru-Cyrl"}]
# load_bodies (entities, aliases, claims, memberships, relations, participations, event
# places, figures, statements, sources, referenced names) = 11; `country` adds one.
EXTEND_BUDGET = 11


def extend_form(client: TestClient, query: dict[str, Any]) -> Any:
    """As OpenRefine sends it: a form field `extend` POSTed to the service endpoint."""
    response = client.post("/v1/reconcile", data={"extend": json.dumps(query)})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def test_a_column_of_ten_names_is_extended_with_three_properties_in_one_request(
    app: FastAPI, client: TestClient
) -> None:
    batch = {f"q{i}": {"query": name, "type": "organisation"} for i, name in enumerate(COLUMN)}
    results = client.post("/v1/reconcile", data={"queries": json.dumps(batch)}).json()
    ids = [results[f"q{i}"]["result"][0]["id"] for i in range(len(COLUMN))]
    assert ids == list(COLUMN.values())

    with count_statements(app) as ten:
        answer = extend_form(client, {"ids": ids, "properties": THREE})
    assert [m["id"] for m in answer["meta"]] == ["founding_date", "chairperson", "aliases@ru-Cyrl"]
    assert set(answer["rows"]) == set(ids)
    row = answer["rows"][SMK]
    assert {"date": "2006-02-21T00:00:00Z"} in row["founding_date"]
    assert row["chairperson"] == [{"id": "ainur-kurmanov", "name": "Ainur Kurmanov"}]
    assert {"str": "Социалистическое Движение Казахстана"} in row["aliases@ru-Cyrl"]
    assert answer["rows"]["socialist-party-of-kazakhstan"]["founding_date"] == [{"str": "1991"}]
    assert answer["rows"]["peoples-party-of-kazakhstan"]["chairperson"] == [
        {"id": "ermuhamet-ertisbaev", "name": "Ermūhamet Ertısbaev"}
    ]

    with count_statements(app) as one:
        extend_form(client, {"ids": ids[:1], "properties": THREE})
    assert len(ten) <= EXTEND_BUDGET, ten
    assert len(ten) == len(one), "the count must not grow with the number of ids"


def test_the_query_count_grows_with_neither_ids_nor_properties(
    app: FastAPI, client: TestClient
) -> None:
    everything = [
        {"id": p["id"]} for p in client.get("/v1/reconcile/extend/properties").json()["properties"]
    ]
    ids = [*COLUMN.values(), "ainur-kurmanov", "almaty", "zhanaozen-strike-and-shootings"]
    counts = []
    for query in (
        {"ids": ids[:1], "properties": [{"id": "country"}]},
        {"ids": ids, "properties": everything},
    ):
        with count_statements(app) as statements:
            extend_form(client, query)
        counts.append(len(statements))
    assert counts[0] == counts[1] == EXTEND_BUDGET + 1  # `country` reads the places once


def test_values_come_back_in_the_spec_shapes(client: TestClient) -> None:
    query = {
        "ids": [SMK, "zhanaozen-strike-and-shootings", "almaty", "ainur-kurmanov"],
        "properties": [
            {"id": "headquarters"},
            {"id": "website"},
            {"id": "start_date"},
            {"id": "ideology"},
            {"id": "country"},
            {"id": "member_of"},
            {"id": "type"},
        ],
    }
    answer = extend_form(client, query)
    meta = {m["id"]: m for m in answer["meta"]}
    assert meta["headquarters"] == {
        "id": "headquarters",
        "name": "headquarters",
        "type": {"id": "place", "name": "Place"},
    }
    assert meta["member_of"]["type"] == {"id": "organisation", "name": "Organisation"}
    assert "type" not in meta["website"]
    smk = answer["rows"][SMK]
    assert smk["headquarters"] == [{"id": "almaty", "name": "Almaty"}]
    assert smk["website"] == [{"str": "socialismkz.info"}]
    assert {"id": "communism", "name": "Communism"} in smk["ideology"]
    assert smk["country"] == [{"str": "KZ"}]  # its headquarters' country
    assert smk["type"] == [{"str": "organisation"}]
    assert smk["start_date"] == []  # not a property of organisations
    # A date known to the month only is text: never padded with an invented day.
    event = answer["rows"]["zhanaozen-strike-and-shootings"]
    assert event["start_date"] == [{"str": "2011-12"}]
    assert event["country"] == [{"str": "KZ"}]  # its places' country
    assert answer["rows"]["almaty"]["country"] == [{"str": "KZ"}]
    assert {"id": "zhanartu", "name": "Zhanartu"} in answer["rows"]["ainur-kurmanov"]["member_of"]


@pytest.mark.parametrize(
    ("value", "shape"),
    [
        (EntityValue("almaty", "Almaty"), {"id": "almaty", "name": "Almaty"}),
        (TextValue("banned"), {"str": "banned"}),
        (NumberValue(14.0), {"float": 14.0}),
        (DateValue("2011-12-16"), {"date": "2011-12-16T00:00:00Z"}),
        (DateValue("2011-12"), {"str": "2011-12"}),
        (DateValue("2011"), {"str": "2011"}),
        (TypeValue("organisation", "trade union"), {"str": "organisation"}),
    ],
)
def test_each_kind_of_value_has_its_cell(value: Value, shape: dict[str, Any]) -> None:
    assert cell(value) == shape


def test_disputed_values_are_all_given_unless_the_setting_excludes_them(
    client: TestClient,
) -> None:
    both = extend_form(client, {"ids": [SMK], "properties": [{"id": "founding_date"}]})
    assert both["rows"][SMK]["founding_date"] == [
        {"date": "2006-02-21T00:00:00Z"},  # the best supported, as in the body
        {"date": "2006-05-21T00:00:00Z"},
    ]
    best = extend_form(
        client,
        {
            "ids": [SMK],
            "properties": [{"id": "founding_date", "settings": {"disputed": "exclude"}}],
        },
    )
    assert best["rows"][SMK]["founding_date"] == [{"date": "2006-02-21T00:00:00Z"}]


def test_aliases_by_language_and_all_of_them(client: TestClient) -> None:
    answer = extend_form(
        client,
        {"ids": [SMK], "properties": [{"id": "aliases"}, {"id": "aliases@kk-Latn"}]},
    )
    kk_latn = [c["str"] for c in answer["rows"][SMK]["aliases@kk-Latn"]]
    everything = [c["str"] for c in answer["rows"][SMK]["aliases"]]
    assert "QSQ" in kk_latn
    assert "СДК" not in kk_latn
    assert set(kk_latn) < set(everything)
    assert "СДК" in everything


def test_unknown_ids_get_no_values_and_duplicates_are_answered_once(client: TestClient) -> None:
    answer = extend_form(
        client,
        {"ids": ["nobody", SMK, SMK], "properties": [{"id": "chairperson"}, {"id": "chairperson"}]},
    )
    assert answer["rows"]["nobody"] == {"chairperson": []}
    assert list(answer["rows"]) == ["nobody", SMK]
    assert [m["id"] for m in answer["meta"]] == ["chairperson"]


def test_get_post_json_and_the_extend_route_give_the_same_answer(client: TestClient) -> None:
    query = {
        "ids": [SMK, "ainur-kurmanov"],
        "properties": [{"id": "founding_date", "name": "founded"}],
    }
    by_form = extend_form(client, query)
    assert client.get("/v1/reconcile", params={"extend": json.dumps(query)}).json() == by_form
    assert client.post("/v1/reconcile/extend", json=query).json() == by_form
    assert client.post("/v1/reconcile/extend", data={"extend": json.dumps(query)}).json() == by_form


def test_the_proposed_properties_of_a_type(client: TestClient) -> None:
    organisation = client.get("/v1/reconcile/extend/properties", params={"type": "organisation"})
    assert organisation.status_code == 200
    ids = [p["id"] for p in organisation.json()["properties"]]
    assert organisation.json()["type"] == "organisation"
    for wanted in ("founding_date", "chairperson", "headquarters", "aliases@ru-Cyrl", "ideology"):
        assert wanted in ids
    assert "birth_date" not in ids
    statements = {p["id"] for p in client.get("/v1/properties").json()["items"]}
    everything = client.get("/v1/reconcile/extend/properties", params={"type": ""}).json()
    assert statements <= {p["id"] for p in everything["properties"]}
    assert "type" not in everything  # OpenRefine sends `type=` for a column without a type
    limited = client.get(
        "/v1/reconcile/extend/properties", params={"type": "person", "limit": 2}
    ).json()
    assert len(limited["properties"]) == 2
    assert limited["limit"] == 2


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("not json", ["body", "extend"]),
        ("[]", ["body", "extend"]),
        (json.dumps({"ids": [SMK]}), ["body", "extend", "properties"]),
        (json.dumps({"ids": [SMK, 3], "properties": []}), ["body", "extend", "ids", 1]),
        (json.dumps({"ids": [""], "properties": []}), ["body", "extend", "ids", 0]),
        (
            json.dumps({"ids": [], "properties": [{"id": "nope"}]}),
            ["body", "extend", "properties", 0, "id"],
        ),
        (
            json.dumps(
                {"ids": [], "properties": [{"id": "website", "settings": {"disputed": "x"}}]}
            ),
            ["body", "extend", "properties", 0, "settings", "disputed"],
        ),
        (json.dumps({"ids": ["x"] * 501, "properties": []}), ["body", "extend", "ids"]),
    ],
)
def test_bad_extend_queries_are_422_problems(
    client: TestClient, query: str, loc: list[Any]
) -> None:
    response = client.post("/v1/reconcile", data={"extend": query})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/invalid-extend-query")
    assert problem["errors"][0]["loc"] == loc


def test_queries_and_extend_together_are_refused(client: TestClient) -> None:
    both = {
        "queries": json.dumps({"q0": {"query": "x"}}),
        "extend": '{"ids": [], "properties": []}',
    }
    assert client.post("/v1/reconcile", data=both).status_code == 422
    assert client.get("/v1/reconcile", params=both).status_code == 422


def test_the_extend_route_needs_its_form_field(client: TestClient) -> None:
    response = client.post("/v1/reconcile/extend", data={"queries": "{}"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "extend"]


def test_an_extend_query_in_a_url_is_small_as_its_schema_says(client: TestClient) -> None:
    """GET takes at most 10 ids and 10 properties and no other keys (its schema says so,
    so it fits in a URL); POST takes the rest."""
    ids = [f"id-{n}" for n in range(11)]
    for query in (
        {"ids": ids, "properties": [{"id": "founding_date"}]},
        {"ids": ids[:2], "properties": [{"id": "founding_date"}], "limit": 3},
    ):
        response = client.get("/v1/reconcile", params={"extend": json.dumps(query)})
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"] == ["query", "extend"]
    small = {"ids": ids[:10], "properties": [{"id": "founding_date"}]}
    assert client.get("/v1/reconcile", params={"extend": json.dumps(small)}).status_code == 200
