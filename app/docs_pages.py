"""The ReDoc page, served with a copy of ReDoc's script that asks no other host.

fastapi-offline serves ReDoc's standalone bundle from the app, but the bundle itself
loads its footer logo from cdn.redoc.ly. The page here uses the same bundle with that
one URL pointed at the app's own favicon, so /redoc makes no outside request (tested
in a real browser: tests/api/test_docs_browser.py).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse, Response

STATIC = "/static-offline-docs"
_BUNDLE = Path(fastapi_offline.__file__).parent / "static" / "redoc.standalone.js"
_OUTSIDE_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@cache
def redoc_bundle() -> bytes:
    script = _BUNDLE.read_text(encoding="utf-8")
    return script.replace(_OUTSIDE_LOGO, f"{STATIC}/favicon.png").encode()


def install_redoc(app: FastAPI, path: str = "/redoc") -> None:
    @app.get(f"{path}.js", include_in_schema=False)
    async def redoc_script() -> Response:
        return Response(redoc_bundle(), media_type="text/javascript")

    @app.get(path, include_in_schema=False)
    async def redoc_page(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{path}.js",
            redoc_favicon_url=f"{root}{STATIC}/favicon.png",
            with_google_fonts=False,
        )
