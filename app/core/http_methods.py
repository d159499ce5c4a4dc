"""Which methods and query parameters a path takes, from the OpenAPI document: for
``Allow`` on 405 answers and on ``OPTIONS``, and for the response cache's key.

Starlette answers a method a route does not take with the methods of the first route
whose path matched; a path served by several routes (``GET`` and ``POST
/v1/reconcile``) needs all of them. The table comes from the OpenAPI document, which
lists every public operation; a plain ``OPTIONS`` (not a CORS preflight, which the
CORS layer answers) gets ``204`` with the full ``Allow``.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp, Receive, Scope, Send

_PARAMETER = re.compile(r"\\\{[^}]+\\\}")


Route = tuple[re.Pattern[str], list[str], frozenset[str]]


def _route_table(app: Any) -> list[Route]:
    """(path pattern, methods, query parameters of its GET) per documented path."""
    table: list[Route] | None = getattr(app.state, "route_table", None)
    if table is None:
        table = []
        # The plain schema (no examples, which read the database), built once.
        schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
        for path, operations in schema["paths"].items():
            methods = {m.upper() for m in operations}
            if "GET" in methods:
                methods.add("HEAD")
            parameters = frozenset(
                p["name"]
                for p in operations.get("get", {}).get("parameters", [])
                if p.get("in") == "query"
            )
            pattern = re.compile("^" + _PARAMETER.sub("[^/]+", re.escape(path)) + "$")
            table.append((pattern, sorted(methods | {"OPTIONS"}), parameters))
        app.state.route_table = table
    return table


def allowed_methods(app: Any, path: str) -> list[str]:
    """Every method the API takes at this path, ``OPTIONS`` included; empty when no
    operation serves it."""
    if app is None:
        return []
    methods: set[str] = set()
    for pattern, allowed, _ in _route_table(app):
        if pattern.match(path):
            methods |= set(allowed)
    return sorted(methods)


def declared_query_parameters(app: Any, path: str) -> frozenset[str] | None:
    """The query parameters a GET at this path declares; None for a path no documented
    operation serves (its answer is a 404, never cached)."""
    if app is None:
        return None
    for pattern, _, parameters in _route_table(app):
        if pattern.match(path):
            return parameters
    return None


class OptionsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            methods = allowed_methods(scope.get("app"), scope["path"])
            if methods:
                headers = [(b"allow", ", ".join(methods).encode())]
                await send({"type": "http.response.start", "status": 204, "headers": headers})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)
