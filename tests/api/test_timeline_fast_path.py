"""The timeline in front of FastAPI (app/timeline/fast_path.py): its plain form (entity,
limit, cursor) is answered with the route's own status, headers and bytes; anything
else goes to the route."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from app.timeline import fast_path


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None, bool]]:
    """One entry per timeline page the fast path read: the entity, and whether the read
    ran on the event loop."""
    seen: list[tuple[str | None, bool]] = []
    real = fast_path.timeline_page

    def spied(**kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            seen.append((kwargs["entity"], True))
        except RuntimeError:
            seen.append((kwargs["entity"], False))
        return real(**kwargs)

    monkeypatch.setattr(fast_path, "timeline_page", spied)
    return seen


def _routed(client: TestClient, params: dict[str, str]) -> Any:
    """The route's own answer: the fast path turned off for one request."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fast_path, "plain_parameters", lambda *_args, **_kwargs: None)
        return client.get("/v1/timeline", params=params)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"entity": "socialist-movement-of-kazakhstan"},
        {"entity": "socialist-movement-of-kazakhstan", "limit": "7"},
        {"entity": "ainur-kurmanov"},  # no dated fact: an empty page, not a 404
        {"limit": "3", "cursor": "o6"},
        {"cursor": "o999999999999999999"},  # past the end
    ],
)
def test_a_plain_timeline_is_answered_as_the_route_answers_it(
    client: TestClient, answered: list[tuple[str | None, bool]], params: dict[str, str]
) -> None:
    page = client.get("/v1/timeline", params=params)
    assert answered == [(params.get("entity"), False)]  # by the fast path, off the loop
    routed = _routed(client, params)
    assert page.status_code == routed.status_code == 200
    assert page.content == routed.content
    assert page.headers.items() == routed.headers.items()


def test_following_next_walks_the_whole_timeline(
    client: TestClient, answered: list[tuple[str | None, bool]]
) -> None:
    pages = [client.get("/v1/timeline", params={"limit": "20"})]
    while (following := pages[-1].json()["next"]) is not None:
        pages.append(client.get(following))
    assert len(answered) == len(pages) > 2
    items = [item for page in pages for item in page.json()["items"]]
    assert items == _routed(client, {"limit": "200"}).json()["items"][: len(items)]
    assert len(items) == pages[0].json()["total"]


@pytest.mark.parametrize(
    ("query", "status", "read"),
    [
        ("from=2011", 200, False),  # a period: the route's
        ("to=2011-12", 200, False),
        ("unused=1", 200, False),  # an undeclared parameter: ignored by the route
        ("limit=5&limit=6", 200, False),  # repeated: the route takes the last
        ("limit=0", 422, False),
        ("cursor=50", 422, False),
        (f"entity={'x' * 201}", 422, False),
        ("entity=nobody-at-all", 404, True),  # read, not found: the route's 404
    ],
)
def test_anything_but_the_plain_form_goes_to_the_route(
    client: TestClient,
    answered: list[tuple[str | None, bool]],
    query: str,
    status: int,
    read: bool,
) -> None:
    response = client.get(f"/v1/timeline?{query}")
    assert response.status_code == status, response.text
    assert bool(answered) is read


def test_a_failing_database_is_left_to_the_route(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_kwargs: Any) -> Any:
        raise OperationalError("SELECT", {}, Exception("the database went away"))

    monkeypatch.setattr(fast_path, "timeline_page", broken)
    response = client.get("/v1/timeline", params={"entity": "socialist-movement-of-kazakhstan"})
    assert response.status_code == 200  # the route read it, with the real timeline_page
    assert response.json()["items"]
