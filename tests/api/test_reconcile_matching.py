"""Property matching: a reconciliation query's ``properties`` raise or lower a
candidate's score, with the same property ids as data extension."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.reconcile.matching import CONTRADICTION_PENALTY, MATCH_BONUS, compare
from app.reconcile.properties import DateValue, EntityValue, TextValue, TypeValue, Value
from tests.api.test_query_count import count_statements

SMK = "socialist-movement-of-kazakhstan"


def candidates(client: TestClient, query: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post("/v1/reconcile", data={"queries": json.dumps({"q0": query})})
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()["q0"]["result"]
    return result


def by_id(result: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in result}


def features(candidate: dict[str, Any]) -> dict[str, Any]:
    return {f["id"]: f["value"] for f in candidate["features"]}


def test_a_founding_year_that_agrees_raises_the_score_and_one_that_contradicts_lowers_it(
    client: TestClient,
) -> None:
    plain = by_id(candidates(client, {"query": "Russian Socialist Movement"}))
    agreeing = by_id(
        candidates(
            client,
            {
                "query": "Russian Socialist Movement",
                "properties": [{"pid": "founding_date", "v": "2011"}],
            },
        )
    )
    contradicting = by_id(
        candidates(
            client,
            {
                "query": "Socialist Movement of Kaz",
                "properties": [{"pid": "founding_date", "v": 1991}],
            },
        )
    )
    rsm = "russian-socialist-movement"
    assert agreeing[rsm]["score"] == min(100, plain[rsm]["score"] + MATCH_BONUS)
    assert features(agreeing[rsm]) == {
        "name_score": plain[rsm]["score"],
        "founding_date_match": True,
    }
    unmoved = by_id(candidates(client, {"query": "Socialist Movement of Kaz"}))[SMK]["score"]
    assert contradicting[SMK]["score"] == unmoved - CONTRADICTION_PENALTY
    assert features(contradicting[SMK])["founding_date_match"] is False


def test_properties_pick_the_right_one_among_namesakes(client: TestClient) -> None:
    """Two "Revolutionary Workers' Party": the founding year tells them apart."""
    plain = candidates(client, {"query": "Revolutionary Workers' Party", "limit": 2})
    assert {c["id"] for c in plain} == {
        "revolutionary-workers-party-russia",
        "revolutionary-workers-party-perm",
    }
    assert not any(c["match"] for c in plain)
    dated = candidates(
        client,
        {
            "query": "Revolutionary Workers' Party",
            "limit": 2,
            "properties": [{"pid": "founding_date", "v": "1999"}],
        },
    )
    assert dated[0]["id"] == "revolutionary-workers-party-russia"
    assert features(dated[0])["founding_date_match"] is True
    assert dated[0]["score"] >= dated[1]["score"]


def test_a_contradicted_exact_name_is_no_longer_a_match(client: TestClient) -> None:
    exact = candidates(client, {"query": "Socialist Movement of Kazakhstan"})
    assert exact[0]["match"] is True
    contradicted = candidates(
        client,
        {
            "query": "Socialist Movement of Kazakhstan",
            "properties": [{"pid": "headquarters", "v": "Moscow"}],
        },
    )
    assert contradicted[0]["id"] == SMK
    assert contradicted[0]["match"] is False
    assert contradicted[0]["score"] == 100 - CONTRADICTION_PENALTY


@pytest.mark.parametrize(
    "prop",
    [
        {"pid": "headquarters", "v": "Алматы"},  # another script
        {"pid": "headquarters", "v": {"id": "almaty", "name": "Almaty"}},  # a reconciled cell
        {"pid": "country", "v": "KZ"},
        {"pid": "country", "v": "Kazakhstan"},
        {"pid": "country", "v": ["RU", {"id": "kazakhstan"}]},  # any of several
        {"pid": "type", "v": "organisation"},
        {"pid": "type", "v": "political organisation"},
        {"pid": "chairperson", "v": "Kurmanov"},
        {"pid": "founding_date", "v": "2006-05-21T00:00:00Z"},  # the disputed date, as a cell
        {"pid": "aliases", "v": "СДК"},
        {"pid": "ideology", "v": "communism"},
    ],
)
def test_each_kind_of_property_agrees(client: TestClient, prop: dict[str, Any]) -> None:
    result = candidates(client, {"query": "Socialist Movement of Kazakhstan", "properties": [prop]})
    assert result[0]["id"] == SMK
    assert features(result[0])[f"{prop['pid']}_match"] is True
    assert result[0]["match"] is True


@pytest.mark.parametrize(
    "prop",
    [
        {"pid": "country", "v": "RU"},
        {"pid": "type", "v": "person"},
        {"pid": "founding_date", "v": "2006-03"},
        {"pid": "headquarters", "v": {"id": "kazakhstan"}},
    ],
)
def test_each_kind_of_property_contradicts(client: TestClient, prop: dict[str, Any]) -> None:
    result = candidates(client, {"query": "Socialist Movement of Kazakhstan", "properties": [prop]})
    smk = by_id(result)[SMK]
    assert features(smk)[f"{prop['pid']}_match"] is False
    assert smk["score"] == 100 - CONTRADICTION_PENALTY


@pytest.mark.parametrize(
    "prop",
    [
        {"pid": "x", "v": "y"},  # unknown property
        {"pid": "birth_date", "v": "1970"},  # not a property of organisations
        {"pid": "dissolution_date", "v": "2010"},  # no value: nothing known
        {"pid": "type", "v": "party"},  # neither its type nor its classification
        {"pid": "founding_date", "v": "sometime"},  # no date
        {"pid": "founding_date", "v": True},
    ],
)
def test_what_cannot_be_compared_changes_nothing(client: TestClient, prop: dict[str, Any]) -> None:
    result = candidates(client, {"query": "Socialist Movement of Kazakhstan", "properties": [prop]})
    assert result[0]["id"] == SMK
    assert result[0]["score"] == 100
    assert result[0]["match"] is True
    assert not any(f["id"].endswith("_match") for f in result[0].get("features", []))


def test_a_candidate_beyond_the_limit_rises_on_its_properties(client: TestClient) -> None:
    names = [c["id"] for c in candidates(client, {"query": "Party", "limit": 50})]
    assert names.index("socialist-party-of-kazakhstan") >= 3  # not among the first three
    dated = candidates(
        client,
        {"query": "Party", "limit": 3, "properties": [{"pid": "founding_date", "v": 1991}]},
    )
    assert dated[0]["id"] == "socialist-party-of-kazakhstan"
    assert len(dated) == 3
    assert [c["score"] for c in dated] == sorted((c["score"] for c in dated), reverse=True)


@pytest.mark.parametrize(
    ("query", "value", "expected"),
    [
        ("2006", DateValue("2006-02-21"), True),
        (2006, DateValue("2006-02-21"), True),
        ("May 2006", DateValue("2006-05-21"), True),
        ("2006-05", DateValue("2006-02-21"), False),
        ("2006-02-21T00:00:00Z", DateValue("2006"), True),
        ("2007", DateValue("2006"), False),
        ("someday", DateValue("2006"), None),
        ({"id": "almaty"}, EntityValue("almaty", "Almaty"), True),
        ({"id": "perm"}, EntityValue("almaty", "Almaty"), False),
        ("almaty", EntityValue("almaty", "Almaty"), True),
        ("Алматы", EntityValue("almaty", "Almaty"), True),
        ({"id": "almaty"}, DateValue("2006"), None),
        ("party", TextValue("political party"), True),
        ("political party", TextValue("party"), True),
        ("trade union", TextValue("political party"), False),
        ("kz", TextValue("KZ", (EntityValue("kazakhstan", "Kazakhstan"),)), True),
        ("Казахстан", TextValue("KZ", (EntityValue("kazakhstan", "Kazakhstan"),)), True),
        ("Russia", TextValue("KZ", (EntityValue("kazakhstan", "Kazakhstan"),)), False),
        ("union", TypeValue("organisation", "trade union"), True),
        ("Person", TypeValue("organisation", "trade union"), False),
        ("party", TypeValue("organisation", "trade union"), None),
    ],
)
def test_how_values_compare(query: Any, value: Value, expected: bool | None) -> None:
    assert compare(query, value) is expected


def test_matching_on_properties_reads_the_candidates_in_a_fixed_number_of_queries(
    app: FastAPI, client: TestClient
) -> None:
    """Whatever the number of queries and candidates, the bodies of all the candidates
    of a batch are read at once: properties add the same statements to a batch of 1
    query as to a batch of 5."""
    names = ["Socialist Movement", "Nur Otan", "Zhanartu", "Party", "Workers Resistance"]
    props = [{"pid": "founding_date", "v": "2006"}, {"pid": "country", "v": "KZ"}]
    added = []
    for size in (1, 5):
        plain = {f"q{i}": {"query": n} for i, n in enumerate(names[:size])}
        matched = {f"q{i}": {"query": n, "properties": props} for i, n in enumerate(names[:size])}
        with count_statements(app) as without:
            client.post("/v1/reconcile", json=plain)
        with count_statements(app) as with_properties:
            client.post("/v1/reconcile", json=matched)
        added.append(len(with_properties) - len(without))
    assert added[0] == added[1] <= 12
