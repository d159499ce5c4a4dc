"""Which methods a path takes, for ``Allow``: on 405 answers and on ``OPTIONS``.

Starlette answers a method a route does not take with the methods of the first route
whose path matched; a path served by several routes (``GET`` and ``POST
/v1/reconcile``) needs all of them. The table comes from the OpenAPI document, which
lists every public operation; a plain ``OPTIONS`` (not a CORS preflight, which the
CORS layer answers) gets ``204`` with the full ``Allow``.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

_PARAMETER = re.compile(r"\\\{[^}]+\\\}")


def _method_table(app: Any) -> list[tuple[re.Pattern[str], list[str]]]:
    table: list[tuple[re.Pattern[str], list[str]]] | None = getattr(app.state, "method_table", None)
    if table is None:
        table = []
        for path, operations in app.openapi()["paths"].items():
            methods = {m.upper() for m in operations}
            if "GET" in methods:
                methods.add("HEAD")
            pattern = re.compile("^" + _PARAMETER.sub("[^/]+", re.escape(path)) + "$")
            table.append((pattern, sorted(methods | {"OPTIONS"})))
        app.state.method_table = table
    return table


def allowed_methods(app: Any, path: str) -> list[str]:
    """Every method the API takes at this path, ``OPTIONS`` included; empty when no
    operation serves it."""
    if app is None:
        return []
    methods: set[str] = set()
    for pattern, allowed in _method_table(app):
        if pattern.match(path):
            methods |= set(allowed)
    return sorted(methods)


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
