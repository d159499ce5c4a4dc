"""The ceiling: a bare Starlette app answering each benchmarked URL with the very bytes
kb serves for it, pre-serialised. Nothing a Python ASGI service does can be cheaper.

The bodies come from the JSON file named by BENCH_BODIES: {"/path?query": "<body>"}.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODIES: dict[str, bytes] = {
    key: value.encode()
    for key, value in json.loads(Path(os.environ["BENCH_BODIES"]).read_text()).items()
}


async def serve(request: Request) -> Response:
    query = request.url.query
    key = request.url.path + (f"?{query}" if query else "")
    body = BODIES.get(key)
    if body is None:
        return Response(b"{}", status_code=404, media_type="application/json")
    return Response(body, media_type="application/json")


app = Starlette(routes=[Route("/{path:path}", serve)])
