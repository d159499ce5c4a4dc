"""The ceiling: a bare Starlette app answering each benchmarked URL with the very bytes
kb serves for it, pre-serialised. Nothing a Python ASGI service does can be cheaper.

Two sources of answers, read once at start-up:

* BENCH_BODIES (benchmarks/run.py): a JSON file ``{"/path?query": "<body>"}``, each
  served to a GET as ``application/json`` with status 200.
* BENCH_MIX (benchmarks/mix.py): a JSON file of recorded exchanges,
  ``[{"method", "target", "body", "status", "content_type", "response"}, ...]``.
  A request is looked up by its method, its raw target (path and query, exactly as
  sent) and its body, and answered with the recorded status, Content-Type and bytes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

NOT_FOUND = Response(b"{}", status_code=404, media_type="application/json")


def _bodies() -> dict[str, bytes]:
    source = os.environ.get("BENCH_BODIES")
    if not source:
        return {}
    return {key: value.encode() for key, value in json.loads(Path(source).read_text()).items()}


def mix_key(method: str, target: str, body: bytes) -> bytes:
    """How a recorded exchange is found again: method, raw target and body."""
    return method.encode() + b" " + target.encode() + b"\n" + body


def _mix() -> dict[bytes, tuple[int, bytes, bytes]]:
    source = os.environ.get("BENCH_MIX")
    if not source:
        return {}
    answers: dict[bytes, tuple[int, bytes, bytes]] = {}
    for record in json.loads(Path(source).read_text(encoding="utf-8")):
        key = mix_key(record["method"], record["target"], record["body"].encode())
        answers[key] = (
            int(record["status"]),
            record["content_type"].encode("latin-1"),
            record["response"].encode(),
        )
    return answers


BODIES = _bodies()
MIX = _mix()


async def serve(request: Request) -> Response:
    if MIX:
        scope = request.scope
        query: bytes = scope["query_string"]
        target = scope["raw_path"] + (b"?" + query if query else b"")
        body = await request.body() if request.method == "POST" else b""
        answer = MIX.get(scope["method"].encode() + b" " + target + b"\n" + body)
        if answer is None:
            return NOT_FOUND
        status, content_type, content = answer
        response = Response(content, status_code=status)
        response.raw_headers.append((b"content-type", content_type))
        return response
    query_text = request.url.query
    key = request.url.path + (f"?{query_text}" if query_text else "")
    found = BODIES.get(key)
    if found is None:
        return NOT_FOUND
    return Response(found, media_type="application/json")


app = Starlette(routes=[Route("/{path:path}", serve, methods=["GET", "HEAD", "POST"])])
