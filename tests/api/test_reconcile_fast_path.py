"""/v1/reconcile batches in front of FastAPI (app/reconcile/fast_path.py): a batch
without properties is answered with the route's own status, headers and bytes, by GET,
form-encoded POST and JSON POST; everything else (properties, the manifest, data
extension, tables not current, a write meanwhile, a failing database) goes to the
route. And the answers, encoded as built, are the bytes the response model gives."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import TypeAdapter

from app.core.config import Settings
from app.main import create_app
from app.reconcile import fast_path
from app.reconcile.schemas import ReconResult
from tests.conftest import DATA_DIR
from tests.curation.conftest import rename

PERSON = "/v1/people/ainur-kurmanov"
RESULTS = TypeAdapter(dict[str, ReconResult])

BATCHES: list[dict[str, Any]] = [
    {"q0": {"query": "СДК"}},
    {
        "q0": {"query": "Ainur Kurmanov", "type": "person", "limit": 3},
        "q1": {"query": "Zhanaozen", "type": ["event"], "type_strict": "any"},
        "q2": {"query": "Sotsialisticheskoe Dvizhenie Kazakhstana"},
        "q3": {"query": "socialist movment of kazakstan", "limit": 50},
        "q4": {"query": "-"},  # nothing to search for
        "q5": {"query": "Revolutionary Workers' Party (Russia)", "limit": 2.5},
        "q6": {"query": "zzzzqqqq"},  # no candidate
        "q7": {"query": "Almaty", "type": "place", "type_strict": "should"},
    },
    {f"q{n}": {"query": word} for n, word in enumerate(["party", "strike", "Kazakhstan", "oil"])},
]
WITH_PROPERTIES: dict[str, Any] = {
    "q0": {"query": "Socialist Movement", "properties": [{"pid": "founding_date", "v": "2006"}]}
}


@pytest.fixture(params=["on the loop", "in the lane"])
def answered(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry per batch the fast path took up: whether it answered it (else the route
    did). Each test runs twice: as the app runs it (a short batch over the seed's small
    search tables, read from a SQLite file, on the event loop; else in the CPU lane),
    and with every batch sent to the CPU lane; work in the lane is never on the loop."""
    seen: list[bool] = []
    if request.param == "in the lane":
        monkeypatch.setattr(fast_path, "INLINE_NAMES", 0)
    real_lane, real_loop = fast_path.in_cpu_lane, fast_path.ReconcileMiddleware._on_loop

    async def in_lane(request: Any, work: Any) -> Any:
        def spied() -> Any:
            with pytest.raises(RuntimeError):
                asyncio.get_running_loop()  # never on the event loop
            answer = work()
            seen.append(answer is not None)
            return answer

        return await real_lane(request, spied)

    def on_loop(work: Any) -> Any:
        assert request.param == "on the loop"
        asyncio.get_running_loop()  # raises off the loop
        answer = real_loop(work)
        seen.append(answer is not None)
        return answer

    monkeypatch.setattr(fast_path, "in_cpu_lane", in_lane)
    monkeypatch.setattr(fast_path.ReconcileMiddleware, "_on_loop", staticmethod(on_loop))
    return seen


def _send(client: TestClient, how: str, batch: Any) -> Response:
    text = batch if isinstance(batch, str) else json.dumps(batch, ensure_ascii=False)
    if how == "get":
        return client.get("/v1/reconcile", params={"queries": text})
    if how == "form":
        return client.post("/v1/reconcile", data={"queries": text})
    return client.post(
        "/v1/reconcile", content=text.encode(), headers={"content-type": "application/json"}
    )


def _routed(client: TestClient, how: str, batch: Any, monkeypatch: pytest.MonkeyPatch) -> Response:
    """The route's own answer: the fast path finds no current tables for one request."""
    with monkeypatch.context() as patch:
        patch.setattr(fast_path, "current_vocabulary", lambda _engine, _stamp: None)
        return _send(client, how, batch)


def _same(fast: Response, routed: Response) -> None:
    assert fast.status_code == routed.status_code
    assert fast.content == routed.content
    assert fast.headers.items() == routed.headers.items()


@pytest.mark.parametrize("how", ["get", "form", "json"])
@pytest.mark.parametrize("batch", BATCHES, ids=["one", "eight", "words"])
def test_a_batch_is_answered_as_the_route_answers_it(
    client: TestClient,
    how: str,
    batch: dict[str, Any],
    answered: list[bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast = _send(client, how, batch)
    assert answered == [True]  # by the fast path
    routed = _routed(client, how, batch, monkeypatch)
    assert answered == [True]  # and this one by the route
    assert fast.status_code == 200
    _same(fast, routed)


@pytest.mark.parametrize("how", ["get", "form", "json"])
@pytest.mark.parametrize(
    "queries",
    [
        "not json",
        "",
        "{}",
        json.dumps({"q0": {"limit": 1}}),
        json.dumps({"q0": {"query": "x", "type": "planet"}}),
        json.dumps({f"q{n}": {"query": "x"} for n in range(101)}),
        '{"q0": {"query": "x", "limit": 1e999}}',
    ],
)
def test_an_invalid_batch_gets_the_routes_problem(
    client: TestClient, how: str, queries: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _send(client, how, queries)
    assert fast.status_code == 422
    _same(fast, _routed(client, how, queries, monkeypatch))


def test_a_form_without_queries_gets_the_routes_problem(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = client.post("/v1/reconcile", data={"other": "x"})
    with monkeypatch.context() as patch:
        patch.setattr(fast_path, "current_vocabulary", lambda _engine, _stamp: None)
        routed = client.post("/v1/reconcile", data={"other": "x"})
    assert fast.status_code == 422
    _same(fast, routed)


@pytest.mark.parametrize(
    ("method", "params", "data"),
    [
        ("GET", {}, None),  # the manifest
        ("GET", {"queries": json.dumps(WITH_PROPERTIES)}, None),
        ("POST", None, {"queries": json.dumps(WITH_PROPERTIES)}),
        ("GET", {"queries": json.dumps(BATCHES[0]), "callback": "f"}, None),  # another parameter
        ("GET", {"queries": json.dumps(BATCHES[0]) + " " * 8000}, None),  # too long for a URL
        ("GET", {"extend": json.dumps({"ids": ["ainur-kurmanov"], "properties": []})}, None),
        ("POST", None, {"extend": json.dumps({"ids": ["ainur-kurmanov"], "properties": []})}),
    ],
)
def test_anything_else_goes_to_the_route(
    client: TestClient,
    answered: list[bool],
    method: str,
    params: dict[str, str] | None,
    data: dict[str, str] | None,
) -> None:
    response = client.request(method, "/v1/reconcile", params=params, data=data)
    assert response.status_code in (200, 422), response.text
    assert answered == []


def test_a_batch_with_properties_spelled_in_escapes_goes_to_the_route(
    client: TestClient, answered: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    escaped = json.dumps(WITH_PROPERTIES).replace('"properties"', '"\\u0070roperties"')
    fast = _send(client, "get", escaped)
    assert answered == [False]  # taken up, found to have properties, left to the route
    assert fast.status_code == 200
    assert "features" in fast.json()["q0"]["result"][0]  # matched on its properties
    _same(fast, _routed(client, "get", escaped, monkeypatch))


def test_a_batch_past_its_time_budget_is_the_routes_503(seeded_url: str) -> None:
    settings = Settings(database_url=seeded_url, data_dir=DATA_DIR, reconcile_time_budget=1e-9)
    with TestClient(create_app(settings)) as client:
        response = _send(client, "form", BATCHES[1])
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"].isdigit()
    assert "budget" in response.json()["detail"]


def test_the_served_bytes_are_the_response_models_own(client: TestClient) -> None:
    """Answers are encoded as built (``encode_answers``), not through the model: they
    must be the very bytes the model gives, with and without properties."""
    batches = [*BATCHES, WITH_PROPERTIES]
    names = [
        item
        for collection in ("people", "organisations", "places", "events")
        for item in client.get(f"/v1/{collection}", params={"limit": 200}).json()["items"]
    ]
    batches += [
        {f"q{n}": {"query": hit["name"], "limit": 10} for n, hit in enumerate(names[i : i + 10])}
        for i in range(0, len(names), 10)
    ]
    batches.append(
        {
            f"q{n}": {"query": hit["name"], "properties": [{"pid": "country", "v": "KZ"}]}
            for n, hit in enumerate(names[:10])
        }
    )
    candidates = 0
    for batch in batches:
        served = _send(client, "json", batch)
        assert served.status_code == 200
        assert served.content == RESULTS.dump_json(
            RESULTS.validate_json(served.content), exclude_none=True
        )
        candidates += sum(len(answer["result"]) for answer in served.json().values())
    assert candidates > 100


# On an app of its own, whose sessions are bound to its engine as in production (the
# shared app reads through one rolled-back transaction): names and descriptions are
# read by the compiled lookup.


def test_a_write_through_another_replica_is_in_the_next_answer(
    own_app: tuple[FastAPI, str], answered: list[bool]
) -> None:
    app, url = own_app
    batch = {"q0": {"query": "Qwertyuiop Kurmanov", "limit": 1}}
    other = create_app(Settings(database_url=url, data_dir=DATA_DIR, cache_enabled=False))
    with TestClient(app) as client, TestClient(other) as replica:
        before = _send(client, "form", batch).json()["q0"]["result"]
        rename(replica, other, PERSON, "Qwertyuiop Kurmanov")
        found = _send(client, "form", batch)
        again = _send(client, "form", batch)
    assert before[0]["name"] != "Qwertyuiop Kurmanov"
    top = found.json()["q0"]["result"][0]
    assert (top["id"], top["name"], top["match"]) == ("ainur-kurmanov", "Qwertyuiop Kurmanov", True)
    assert again.content == found.content
    assert answered == [True, True]  # the first and the last; the one between by the route


def test_a_write_between_the_search_and_the_read_of_names_is_left_to_the_route(
    own_app: tuple[FastAPI, str], answered: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The names read must be those of the revision searched: a write that lands
    between the two (here, forced in) sends the batch to the route, which answers
    from the new revision."""
    app, url = own_app
    batch = {"q0": {"query": "Ainur Kurmanov", "limit": 1}}
    other = create_app(Settings(database_url=url, data_dir=DATA_DIR, cache_enabled=False))
    real = fast_path.EntityLookup.run
    with TestClient(app) as client, TestClient(other) as replica:
        _send(client, "form", batch)  # the tables are current

        def renamed_meanwhile(self: Any, connection: Any, ids: Any, stamp: Any) -> Any:
            monkeypatch.setattr(fast_path.EntityLookup, "run", real)
            rename(replica, other, PERSON, "Ainur Kurmanov-Renamed")
            return real(self, connection, ids, stamp)

        monkeypatch.setattr(fast_path.EntityLookup, "run", renamed_meanwhile)
        answer = _send(client, "form", batch)
    assert answer.status_code == 200
    assert answer.json()["q0"]["result"][0]["name"] == "Ainur Kurmanov-Renamed"
    assert answered == [True, False]  # the fast path's try, then the route's answer


def test_a_failing_read_of_names_is_left_to_the_route(
    own_app: tuple[FastAPI, str], answered: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = own_app
    batch = BATCHES[1]
    with TestClient(app) as client:
        expected = _send(client, "json", batch).content

        def broken(_self: Any, connection: Any, _ids: Any, _stamp: Any) -> Any:
            connection.cursor().execute("SELECT no_such_column FROM entity")

        monkeypatch.setattr(fast_path.EntityLookup, "run", broken)
        answer = _send(client, "json", batch)
    assert answer.status_code == 200
    assert answer.content == expected
    assert answered == [True, False]  # the fast path's try, then the route


def test_more_candidates_than_one_read_holds_are_all_read(
    own_app: tuple[FastAPI, str], answered: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = own_app
    monkeypatch.setattr(fast_path, "IDS_PER_READ", 3)
    batch = {f"q{n}": {"query": word, "limit": 20} for n, word in enumerate(["party", "strike"])}
    with TestClient(app) as client:
        fast = _send(client, "json", batch)
        routed = _routed(client, "json", batch, monkeypatch)
    assert sum(len(answer["result"]) for answer in fast.json().values()) > 6
    _same(fast, routed)
    assert answered == [True]


def test_a_short_batch_over_small_tables_is_answered_on_the_event_loop(
    own_app: tuple[FastAPI, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the seed's small search tables read from a SQLite file, a batch of at most
    INLINE_QUERIES queries is answered on the event loop, where the hop to the CPU lane
    cost more than its searches; a longer batch, and any batch on PostgreSQL (whose
    reads are never made on the loop), in the lane."""
    app, url = own_app
    places: list[str] = []
    real_lane, real_loop = fast_path.in_cpu_lane, fast_path.ReconcileMiddleware._on_loop

    async def in_lane(request: Any, work: Any) -> Any:
        places.append("lane")
        return await real_lane(request, work)

    def on_loop(work: Any) -> Any:
        places.append("loop")
        return real_loop(work)

    monkeypatch.setattr(fast_path, "in_cpu_lane", in_lane)
    monkeypatch.setattr(fast_path.ReconcileMiddleware, "_on_loop", staticmethod(on_loop))
    words = ["party", "strike", "Kazakhstan", "oil", "Almaty", "Zhanaozen", "union", "trial"]
    words += ["Kurmanov", "January", "police"]
    short = {f"q{n}": {"query": word} for n, word in enumerate(words[: fast_path.INLINE_QUERIES])}
    long = {f"q{n}": {"query": word} for n, word in enumerate(words)}
    assert len(long) > fast_path.INLINE_QUERIES
    with TestClient(app) as client:
        answers = [_send(client, "form", short), _send(client, "form", long)]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[1].json()["q0"] == answers[0].json()["q0"]
    assert places == (["loop", "lane"] if url.startswith("sqlite") else ["lane", "lane"])
