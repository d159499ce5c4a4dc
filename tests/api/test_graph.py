"""GET /v1/entities/{id}/graph: the neighbourhood as nodes and edges."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.core.errors import AppError
from app.entities.service import neighbourhood

SMK = "socialist-movement-of-kazakhstan"


def test_depth_one_holds_the_direct_links_with_sources(client: TestClient) -> None:
    graph = client.get(f"/v1/entities/{SMK}/graph").json()
    assert graph["nodes"][0]["id"] == SMK
    ids = {n["id"] for n in graph["nodes"]}
    assert {"ainur-kurmanov", "committee-for-a-workers-international", "almaty"} <= ids | {"almaty"}
    for edge in graph["edges"]:
        assert SMK in (edge["source"], edge["target"])
        assert edge["source"] in ids
        assert edge["target"] in ids
        assert edge["sources"]
    assert {"membership", "relation", "participation"} <= {e["kind"] for e in graph["edges"]}


def test_the_graph_grows_with_depth(client: TestClient) -> None:
    sizes = [
        len(client.get(f"/v1/entities/{SMK}/graph", params={"depth": d}).json()["nodes"])
        for d in (1, 2, 3)
    ]
    assert sizes[0] < sizes[1] <= sizes[2]


def test_depth_is_checked(client: TestClient) -> None:
    for depth in ("0", "4", "deep"):
        assert client.get(f"/v1/entities/{SMK}/graph", params={"depth": depth}).status_code == 422


def test_unknown_entity_is_404(client: TestClient) -> None:
    assert client.get("/v1/entities/nobody/graph").status_code == 404


def test_a_graph_past_the_cap_is_a_clear_error(app) -> None:  # type: ignore[no-untyped-def]
    with Session(app.state.engine) as session, pytest.raises(AppError, match="cap of 10"):
        neighbourhood(session, SMK, depth=2, max_nodes=10)
