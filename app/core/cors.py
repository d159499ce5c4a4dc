"""Starlette's CORS layer, with a lean path for the requests that carry no ``Origin``.

Those are most requests (OpenRefine, scripts, crawlers, other services: anything that
is not a browser page on another site), and Starlette answers them by wrapping the
response's headers in a ``MutableHeaders`` only to add ``Vary: Origin``. Here they get
that same header added to the list directly; a request with an ``Origin`` (a browser's
simple request or preflight) is Starlette's to answer, unchanged.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

from app.core.header_lists import header_value, vary_on


class LeanCORSMiddleware(CORSMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or header_value(scope["headers"], b"origin") is not None:
            await super().__call__(scope, receive, send)
            return

        async def varied_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message["headers"] = list(message.get("headers", ()))
                vary_on(headers, b"Origin")
            await send(message)

        await self.app(scope, receive, varied_send)
