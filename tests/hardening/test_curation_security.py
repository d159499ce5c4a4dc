"""Every write operation refuses a caller without a valid key of the right scope, and
the key never shows: through a real ``kb serve`` (its log is the real log, with the
access log, debug logging and every SQL statement echoed).

The write operations come from the server's ``/openapi.json`` (POST, PATCH, PUT,
DELETE, but the reconciliation POSTs, which are reads), so a route added later is
checked without a change here. Each is sent with its path filled with real ids (an
entity of the right type, a fact of the right kind, made for the test) and a body
that a write key gets accepted (the same requests are sent with one at the end, and
must succeed): with no key, a revoked key, a ``read`` key and several malformed
``Authorization`` headers. Each answer must be 401 / 401 / 403 / 401 as
``application/problem+json``, and the database's revision and last change ``seq``
must not move.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.core.db import create_db_engine
from app.models import Base
from tests.conftest import DatabaseFactory
from tests.hardening.curation_helpers import (
    ARTICLE_SOURCE,
    MERGE_PATCH,
    WRITE_ENV,
    bearer,
    create_key,
    database_state,
    revoke_key,
    seeded_database,
)
from tests.servers import serving

pytestmark = pytest.mark.slow

WRITE_METHODS = ("post", "put", "patch", "delete")
READS_BY_POST = ("/v1/reconcile",)  # reconciliation queries are POSTed, and only read
SEGMENTS = {
    "organisations": "organisation",
    "people": "person",
    "events": "event",
    "places": "place",
}
SECOND_SOURCE = {"citation": "article", "quote": "Socialist Movement of Kazakhstan"}


def secret_of(key: str) -> str:
    """The secret part of ``kb_<id>_<secret>`` (the id is public)."""
    prefix, key_id, secret = key.split("_", 2)
    assert prefix == "kb", key
    assert len(key_id) == 12, key
    assert len(secret) >= 40, key
    return secret


@dataclass
class World:
    """The ids the test made: an entity per type, and the facts of each."""

    entities: dict[str, str]  # type -> id
    facts: dict[tuple[str, str], str]  # (type, segment) -> fact id
    seeded: dict[str, str]  # type -> the id of a seeded entity of that type

    def fact_body(self, entity_type: str, segment: str, variant: int) -> dict[str, Any]:
        """A body for a new fact; each variant states a different fact."""
        other = "person" if entity_type == "organisation" else "organisation"
        objects = [self.entities[other], self.seeded["organisation"]]
        places = [self.entities["place"], self.seeded["place"]]
        bodies: dict[str, dict[str, Any]] = {
            "aliases": {"name": f"Security Alias {variant}", "lang": "en", "kind": "other"},
            "claims": {"field": "description", "value": f"Disputed description {variant}"},
            "statements": {
                "property": "characteristic",
                "value": {"text": f"Security characteristic {variant}", "lang": "en"},
            },
            "relations": {"relation": "affiliated_with", "object": objects[variant]},
            "memberships": (
                {"person": self.entities["person"], "role": f"member {variant}"}
                if entity_type == "organisation"
                else {"organisation": self.entities["organisation"], "role": f"leader {variant}"}
            ),
            "participants": {"entity": self.entities["organisation"], "role": f"role {variant}"},
            "figures": {"measure": f"measure_{variant}", "value": 3 + variant},
            "places": {"place": places[variant]},
        }
        return {**bodies[segment], "sources": [ARTICLE_SOURCE]}


def entity_body(entity_type: str, variant: int) -> dict[str, Any]:
    return {"name": f"Security {entity_type.title()} {variant}", "sources": [ARTICLE_SOURCE]}


@dataclass
class Operation:
    method: str
    template: str
    operation_id: str

    @property
    def parts(self) -> list[str]:
        return self.template.strip("/").split("/")

    @property
    def entity_type(self) -> str:
        if self.template.startswith("/v1/entities/"):
            return "person"  # revert: any type will do
        return SEGMENTS.get(self.parts[1], "")

    @property
    def fact_segment(self) -> str | None:
        return self.parts[3] if len(self.parts) >= 4 and self.parts[1] in SEGMENTS else None

    def path(self, world: World, entity: str | None = None, fact: str | None = None) -> str:
        filled = []
        for part in self.parts:
            if part == "{fact_id}":
                assert self.fact_segment is not None
                part = fact or world.facts[(self.entity_type, self.fact_segment)]
            elif part.startswith("{"):
                part = entity or world.entities[self.entity_type]
            filled.append(part)
        return "/" + "/".join(filled)

    def body(self, world: World, variant: int) -> dict[str, Any] | None:
        if self.method == "delete":
            return None
        if self.operation_id == "create_citation":
            return {"title": f"Security report {variant}"}
        if self.operation_id == "revert_entity":
            return {"to": 1}
        if self.method == "patch":
            if self.fact_segment is None:
                return {"description": f"Patched {variant}"}
            return {"sources": [ARTICLE_SOURCE, SECOND_SOURCE]}
        if self.fact_segment is None:
            return entity_body(self.entity_type, variant)
        return world.fact_body(self.entity_type, self.fact_segment, variant)


def write_operations(schema: dict[str, Any]) -> list[Operation]:
    found = []
    for template, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method in WRITE_METHODS and not template.startswith(READS_BY_POST):
                found.append(Operation(method, template, operation["operationId"]))
    return found


class Recorder:
    """Every request and response of the test, for the search for keys."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.seen: list[str] = []

    def send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> httpx.Response:
        if body is not None:
            content_type = MERGE_PATCH if method == "patch" else "application/json"
            headers = {**headers, "Content-Type": content_type}
        response = self.client.request(
            method.upper(), path, json=body if body is not None else None, headers=headers
        )
        self.seen.append(f"{response.status_code} {response.headers} {response.text}")
        return response


def etag(recorder: Recorder, entity: str) -> str:
    response = recorder.client.get(f"/v1/entities/{entity}")
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def make_world(recorder: Recorder, key: str) -> World:
    seeded = {}
    for segment, entity_type in SEGMENTS.items():
        listed = recorder.client.get(f"/v1/{segment}?limit=1")
        seeded[entity_type] = listed.json()["items"][0]["id"]
    entities = {}
    for segment, entity_type in SEGMENTS.items():
        made = recorder.send("post", f"/v1/{segment}", entity_body(entity_type, 0), bearer(key))
        assert made.status_code == 201, made.text
        entities[entity_type] = made.json()["id"]
    world = World(entities, {}, seeded)
    for entity_type in SEGMENTS.values():
        for fact_segment in ("aliases", "claims", "statements", "relations", "memberships"):
            if fact_segment == "memberships" and entity_type in ("event", "place"):
                continue
            world.facts[(entity_type, fact_segment)] = ""
        if entity_type == "event":
            for fact_segment in ("participants", "figures", "places"):
                world.facts[(entity_type, fact_segment)] = ""
    for entity_type, fact_segment in list(world.facts):
        segment = next(s for s, t in SEGMENTS.items() if t == entity_type)
        path = f"/v1/{segment}/{entities[entity_type]}/{fact_segment}"
        body = world.fact_body(entity_type, fact_segment, 0)
        made = recorder.send("post", path, body, bearer(key))
        assert made.status_code == 201, (path, made.text)
        assert made.headers["location"].startswith(path + "/"), made.headers
        world.facts[(entity_type, fact_segment)] = made.headers["location"].rsplit("/", 1)[1]
    return world


def malformed_headers(write_key: str) -> list[dict[str, str]]:
    key_id = write_key.split("_")[1]
    wrong_secret = write_key[:-1] + ("A" if write_key[-1] != "A" else "B")
    return [
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer undefined"},
        {"Authorization": f"Bearer {write_key[:-1]}"},
        {"Authorization": f"Bearer {wrong_secret}"},
        {"Authorization": f"Bearer kb_{key_id}_"},
        {"Authorization": f"Token {write_key}"},
        {"Authorization": write_key},
        {"Authorization": "Basic " + base64.b64encode(f"user:{write_key}".encode()).decode()},
        {"Authorization": f"Bearer {write_key}, Bearer {write_key}"},
    ]


def database_text(url: str) -> str:
    """Every row of every table, as text."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            rows = [
                repr(tuple(row))
                for table in Base.metadata.sorted_tables
                for row in conn.execute(select(table))
            ]
    finally:
        engine.dispose()
    return "\n".join(rows)


def test_every_write_refuses_callers_without_a_valid_key_and_no_key_leaks(
    databases: DatabaseFactory, tmp_path: Path
) -> None:
    url = databases.new_url()
    seeded_database(url)
    keys = {
        "writer": create_key(url, "security-writer", "write"),
        "reader": create_key(url, "security-reader", "read"),
        "revoked": create_key(url, "security-revoked", "write"),
    }
    env = {**WRITE_ENV, "KB_LOG_LEVEL": "debug", "KB_SQL_ECHO": "true"}
    log = tmp_path / "serve.log"
    with serving(url, log, "--access-log", **env) as server:
        recorder = Recorder(server.client)
        schema = server.client.get("/openapi.json").json()
        operations = write_operations(schema)
        unsecured = [
            o.operation_id
            for o in operations
            if not schema["paths"][o.template][o.method].get("security")
        ]
        assert unsecured == [], f"write operations that declare no key: {unsecured}"

        world = make_world(recorder, keys["writer"])
        revoked_while_serving = recorder.send(
            "post", "/v1/citations", {"title": "Before revocation"}, bearer(keys["revoked"])
        )
        assert revoked_while_serving.status_code == 201, revoked_while_serving.text
        revoke_key(url, "security-revoked")
        tags = {entity: etag(recorder, entity) for entity in world.entities.values()}
        before = database_state(url)

        refused: dict[str, list[dict[str, str]]] = {
            "no key": [{}],
            "revoked": [bearer(keys["revoked"])],
            "read scope": [bearer(keys["reader"])],
            "malformed": malformed_headers(keys["writer"]),
        }
        expected = {"no key": 401, "revoked": 401, "read scope": 403, "malformed": 401}
        wrong: list[str] = []
        started = time.monotonic()
        sent = 0
        for operation in operations:
            path = operation.path(world)
            body = operation.body(world, 1)
            target = world.entities.get(operation.entity_type)
            if_match = {"If-Match": tags[target]} if target else {}
            for case, header_sets in refused.items():
                for headers in header_sets:
                    answer = recorder.send(operation.method, path, body, {**headers, **if_match})
                    sent += 1
                    problem = answer.headers.get("content-type") == "application/problem+json"
                    if answer.status_code != expected[case] or not problem:
                        wrong.append(
                            f"{operation.method.upper()} {path} ({case}, {headers}): "
                            f"{answer.status_code} {answer.text[:200]}"
                        )
                    elif answer.json()["status"] != expected[case]:
                        wrong.append(f"{operation.method.upper()} {path}: {answer.text[:200]}")
            if operation.method == "delete" and operation.fact_segment is None:
                # A write key cannot cascade: that needs admin.
                cascade = recorder.send(
                    "delete", f"{path}?cascade=true", None, {**bearer(keys["writer"]), **if_match}
                )
                sent += 1
                if cascade.status_code != 403:
                    wrong.append(f"DELETE {path}?cascade=true (write key): {cascade.status_code}")
        refusing = time.monotonic() - started
        after = database_state(url)

        # The control: a write key gets every one of those requests accepted.
        accepted = control(recorder, operations, world, keys["writer"])
        log_text = server.output()

    print(
        f"\n{len(operations)} write operations, {sent} refused requests in {refusing:.1f} s "
        f"({refusing / sent * 1000:.1f} ms each); control: {accepted}"
    )
    assert wrong == [], "\n".join(wrong)
    assert after == before, (before, after)

    # No key, nor its secret, in a response, the log or the database.
    secrets = {name: (key, secret_of(key)) for name, key in keys.items()}
    responses = "\n".join(recorder.seen)
    # The log holds what a leak would show in: the access log and the key's look-up.
    assert '"POST /v1/citations HTTP/1.1" 401' in log_text, log_text[-2000:]
    assert "FROM api_key" in log_text, log_text[-2000:]
    stored = database_text(url)
    files = b""
    if url.startswith("sqlite"):
        database_file = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", "-journal"):
            candidate = database_file.with_name(database_file.name + suffix)
            if candidate.exists():
                files += candidate.read_bytes()
        assert files
    for name, (key, secret) in secrets.items():
        for where, haystack in (("a response", responses), ("the log", log_text)):
            assert key not in haystack, f"the {name} key in {where}"
            assert secret not in haystack, f"the {name} key's secret in {where}"
        assert key not in stored, f"the {name} key in the database"
        assert secret not in stored, f"the {name} key's secret in the database"
        assert key.encode() not in files, f"the {name} key in the database file"
        assert secret.encode() not in files, f"the {name} key's secret in the database file"


def control(recorder: Recorder, operations: list[Operation], world: World, key: str) -> str:
    """The refused requests once more, with the write key: each is accepted, so each
    would have written had the guard let it through. New entities are made first (and
    deleted last, as nothing refers to them); facts are changed, then deleted; the
    revert comes at the end."""
    made: dict[str, str] = {}
    counts: dict[int, int] = {}

    def send(operation: Operation, path: str, body: dict[str, Any] | None, entity: str) -> None:
        if_match = {"If-Match": etag(recorder, entity)} if entity else {}
        answer = recorder.send(operation.method, path, body, {**bearer(key), **if_match})
        assert answer.is_success, (operation.method, path, answer.status_code, answer.text)
        counts[answer.status_code] = counts.get(answer.status_code, 0) + 1
        if operation.method == "post" and operation.fact_segment is None:
            made[operation.entity_type] = answer.json().get("id", "")

    order = {"post": 0, "patch": 1, "delete": 2}
    ranked = sorted(
        operations,
        key=lambda o: (
            o.operation_id == "revert_entity",
            order[o.method],
            o.method == "delete" and o.fact_segment is None,
        ),
    )
    for operation in ranked:
        entity = world.entities.get(operation.entity_type, "")
        if operation.method == "delete" and operation.fact_segment is None:
            entity = made[operation.entity_type]  # a new one: no fact names it
        body = operation.body(world, 1)
        send(operation, operation.path(world, entity=entity), body, entity)
    return ", ".join(f"{count} x {status}" for status, count in sorted(counts.items()))
