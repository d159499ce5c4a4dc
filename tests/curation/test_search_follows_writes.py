"""Search's in-memory tables follow writes by patching the entities that changed, and
end up exactly as a fresh load from the database would be."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.search.field_table import load_field_table
from app.search.name_table import NameTable, load_name_table
from app.search.vocabulary import Vocabulary, vocabulary
from tests.curation.conftest import QUOTE, etag

PERSON = "/v1/people/ainur-kurmanov"
ORGANISATION = "/v1/organisations/socialist-movement-of-kazakhstan"


def _served(app: FastAPI) -> Vocabulary:
    session: Session = app.state.session_factory()
    try:
        return vocabulary(session)
    finally:
        session.close()


def _names(table: NameTable) -> dict[str, Any]:
    """What the table says, independent of ordinals and of replaced names."""
    entities = {
        entity_id: (
            table.entity_types[e],
            table.entity_weights[e],
            sorted(
                (table.name_text[n], table.name_key[n], *table.styles[table.name_style[n]])
                for n in table.names_of(e)
            ),
            table.name_text[table.entity_own[e]] if table.entity_own[e] >= 0 else None,
        )
        for e, entity_id in enumerate(table.entity_ids)
        if table.entity_names[e]
    }
    postings = {
        word: sorted((table.entity_ids[table.name_entity[n]], table.name_text[n]) for n in names)
        for word, names in table.postings.items()
    }
    return {"entities": entities, "postings": postings, "ordered": table.ordered}


def _fields(vocab: Vocabulary) -> dict[str, Any]:
    names, fields = vocab.names, vocab.fields
    return {
        "entities": {
            entity_id: sorted(fields.of_entity(e))
            for e, entity_id in enumerate(names.entity_ids)
            if list(fields.of_entity(e))
        },
        "postings": {
            word: sorted(
                (names.entity_ids[e], code) for e, code in zip(*fields.postings[word], strict=True)
            )
            for word in fields.words
        },
        "frequency": {word: fields.frequency(word) for word in fields.words},
    }


def test_writes_patch_the_tables_to_what_a_fresh_load_reads(
    app: FastAPI, client: TestClient, writer: dict[str, str]
) -> None:
    before = _served(app)
    created = client.post(
        "/v1/organisations",
        json={
            "name": "Workers Solidarity Fund",
            "description": "A fund of the Kazakh workers' movement",
            "sources": [QUOTE],
        },
        headers=writer,
    )
    assert created.status_code == 201, created.text
    alias = client.post(
        f"{PERSON}/aliases",
        json={"name": "Айнур Курманов", "lang": "ru-Cyrl", "kind": "other", "sources": [QUOTE]},
        headers=writer,
    )
    assert alias.status_code == 201, alias.text
    renamed = client.patch(
        PERSON, json={"name": "A. Kurmanov"}, headers={**writer, "If-Match": etag(client, PERSON)}
    )
    assert renamed.status_code == 200, renamed.text
    fund = "/v1/organisations/workers-solidarity-fund"
    deleted = client.delete(fund, headers={**writer, "If-Match": etag(client, fund)})
    assert deleted.status_code == 204, deleted.text

    served = _served(app)
    assert served.revision > before.revision
    assert served.names.dead > 0, "the tables were read in full, not patched"
    session: Session = app.state.session_factory()
    try:
        names = load_name_table(session)
        fresh = Vocabulary(served.position, names, load_field_table(session, names))
    finally:
        session.close()
    assert _names(served.names) == _names(fresh.names)
    assert _fields(served) == _fields(fresh)


def test_search_answers_from_the_patched_tables(client: TestClient, writer: dict[str, str]) -> None:
    assert client.get("/v1/search", params={"q": "Kurmanov"}).json()["total"] >= 1
    client.patch(
        PERSON,
        json={"name": "Ainur Qurmanbekov"},
        headers={**writer, "If-Match": etag(client, PERSON)},
    )
    found = client.get("/v1/search", params={"q": "Qurmanbekov"}).json()["items"]
    assert found[0]["id"] == "ainur-kurmanov"
    assert found[0]["name"] == found[0]["matched"]["name"] == "Ainur Qurmanbekov"
    # The old name is gone from the entity's own names (an alias may still hold it).
    old = client.get("/v1/search", params={"q": "Ainur Kurmanov"}).json()["items"]
    assert all(
        hit["matched"]["name"] != "Ainur Kurmanov" or hit["matched"]["kind"] != "official"
        for hit in old
        if hit["id"] == "ainur-kurmanov"
    )
