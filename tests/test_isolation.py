"""Tests on the shared seeded database cannot leak state: each runs in a rolled-back
transaction that every session of the app joins. (The writes here set an entity's
version, which the API serves as the ETag.)"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import rolled_back

SET_VERSION_99 = "UPDATE entity SET version = 99 WHERE id = '{id}'"


def test_a_write_inside_is_seen_inside_and_gone_after(app: FastAPI, client: TestClient) -> None:
    with rolled_back(app) as connection:
        connection.execute(text(SET_VERSION_99.format(id="almaty")))
        assert client.get("/v1/places/almaty").headers["etag"] == '"almaty.v99"'
    with rolled_back(app):
        assert client.get("/v1/places/almaty").headers["etag"] == '"almaty.v1"'


def test_a_write_by_an_app_session_is_rolled_back_too(app: FastAPI, client: TestClient) -> None:
    with rolled_back(app):
        with app.state.session_factory() as session, session.begin():
            session.execute(text(SET_VERSION_99.format(id="perm")))
        assert client.get("/v1/places/perm").headers["etag"] == '"perm.v99"'
    with rolled_back(app):
        assert client.get("/v1/places/perm").headers["etag"] == '"perm.v1"'
