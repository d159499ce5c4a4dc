"""The neighbourhood of an entity: a breadth-first walk over every kind of link.

Each step is four queries (memberships, relations, participations, event places)
over the whole frontier, so depth 3 costs twelve queries however wide it gets; the
walk stops with a clear error as soon as the graph outgrows the cap.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.core.errors import AppError, NotFoundError, ProblemError
from app.models import Entity, EventPlace, Membership, Participation, Relation, Source
from app.provenance.service import load_refs

MAX_NODES = 500


class GraphTooLargeError(AppError):
    status = 422
    slug = "graph-too-large"
    title = "Graph Too Large"


def _edges_touching(session: Session, frontier: set[str]) -> list[dict[str, Any]]:
    ids = list(frontier)
    edges: list[dict[str, Any]] = []
    for m in session.scalars(
        select(Membership).where(
            or_(Membership.person_id.in_(ids), Membership.organisation_id.in_(ids))
        )
    ):
        edges.append(
            {
                "id": m.id,
                "kind": "membership",
                "label": m.role,
                "source": m.person_id,
                "target": m.organisation_id,
                "start_date": m.start_date,
                "end_date": m.end_date,
                "column": "membership_id",
            }
        )
    for r in session.scalars(
        select(Relation).where(or_(Relation.subject_id.in_(ids), Relation.object_id.in_(ids)))
    ):
        edges.append(
            {
                "id": r.id,
                "kind": "relation",
                "label": r.relation,
                "source": r.subject_id,
                "target": r.object_id,
                "start_date": r.start_date,
                "end_date": r.end_date,
                "column": "relation_id",
            }
        )
    for p in session.scalars(
        select(Participation).where(
            or_(Participation.event_id.in_(ids), Participation.entity_id.in_(ids))
        )
    ):
        edges.append(
            {
                "id": p.id,
                "kind": "participation",
                "label": p.role,
                "source": p.entity_id,
                "target": p.event_id,
                "start_date": None,
                "end_date": None,
                "column": "participation_id",
            }
        )
    for ep in session.scalars(
        select(EventPlace).where(or_(EventPlace.event_id.in_(ids), EventPlace.place_id.in_(ids)))
    ):
        edges.append(
            {
                "id": ep.id,
                "kind": "event_place",
                "label": "took_place_in",
                "source": ep.event_id,
                "target": ep.place_id,
                "start_date": None,
                "end_date": None,
                "column": "event_place_id",
            }
        )
    return edges


def neighbourhood(
    session: Session, entity_id: str, depth: int, max_nodes: int = MAX_NODES
) -> dict[str, Any]:
    if session.get(Entity, entity_id) is None:
        raise NotFoundError(f"no entity with id {entity_id!r}")
    nodes = {entity_id}
    edges: dict[str, dict[str, Any]] = {}
    frontier = {entity_id}
    for step in range(1, depth + 1):
        found = _edges_touching(session, frontier)
        reached = set()
        for edge in found:
            edges.setdefault(edge["id"], edge)
            reached |= {edge["source"], edge["target"]}
        frontier = reached - nodes
        nodes |= reached
        if len(nodes) > max_nodes:
            message = (
                f"the neighbourhood of {entity_id!r} reaches {len(nodes)} entities at depth "
                f"{step}, more than the cap of {max_nodes}; ask for a smaller depth"
            )
            raise GraphTooLargeError(message, [ProblemError(loc=["query", "depth"], msg=message)])
        if not frontier:
            break
    refs = load_refs(session, nodes)
    sources = _edge_sources(session, list(edges.values()))
    return {
        "root": entity_id,
        "depth": depth,
        "nodes": sorted(refs.values(), key=lambda n: (n["id"] != entity_id, n["type"], n["name"])),
        "edges": [
            {
                "kind": e["kind"],
                "label": e["label"],
                "source": e["source"],
                "target": e["target"],
                "start_date": e["start_date"],
                "end_date": e["end_date"],
                "sources": sources.get(e["id"], []),
            }
            for e in sorted(
                edges.values(), key=lambda e: (e["kind"], e["source"], e["target"], e["id"])
            )
        ],
    }


def _edge_sources(session: Session, edges: list[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    by_column: dict[str, list[str]] = defaultdict(list)
    for e in edges:
        by_column[e["column"]].append(e["id"])
    if not by_column:
        return {}
    conditions = [getattr(Source, column).in_(ids) for column, ids in by_column.items()]
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for s in session.scalars(select(Source).where(or_(*conditions)).order_by(Source.id)):
        target = s.membership_id or s.relation_id or s.participation_id or s.event_place_id
        assert target is not None
        out[target].append({"citation": s.citation_id, "quote": s.quote})
    return out
