"""Tests on the shared seeded database cannot leak state: each runs in a rolled-back
transaction that every session of the app joins."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import rolled_back


def test_a_write_inside_is_seen_inside_and_gone_after(app: FastAPI, client: TestClient) -> None:
    with rolled_back(app) as connection:
        connection.execute(text("UPDATE entity SET name = 'Renamed' WHERE id = 'almaty'"))
        assert client.get("/v1/places/almaty").json()["name"] == "Renamed"
    with rolled_back(app):
        assert client.get("/v1/places/almaty").json()["name"] == "Almaty"


def test_a_write_by_an_app_session_is_rolled_back_too(app: FastAPI, client: TestClient) -> None:
    with rolled_back(app):
        with app.state.session_factory() as session, session.begin():
            session.execute(text("UPDATE entity SET name = 'Renamed' WHERE id = 'perm'"))
        assert client.get("/v1/places/perm").json()["name"] == "Renamed"
    with rolled_back(app):
        assert client.get("/v1/places/perm").json()["name"] == "Perm"
