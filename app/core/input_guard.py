"""Refuse NUL characters in paths and query strings before they reach a database
(PostgreSQL text cannot hold them; SQLite would store them silently)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.errors import PROBLEM_BASE, PROBLEM_JSON


class RejectNulMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"").lower()
            where = None
            if "\x00" in scope.get("path", ""):
                where = "path"
            elif b"%00" in query or b"\x00" in query:
                where = "query"
            if where is not None:
                await _refuse(scope, send, where)
                return
        await self.app(scope, receive, send)


async def _refuse(scope: Scope, send: Send, where: str) -> None:
    message = "must not contain NUL characters"
    body = json.dumps(
        {
            "type": PROBLEM_BASE + "invalid-parameter",
            "title": "Invalid Parameter",
            "status": 422,
            "detail": f"{where}: {message}",
            "instance": scope.get("path", "").replace("\x00", ""),
            "errors": [{"loc": [where], "msg": message}],
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
