"""Security headers on every response, as a pure ASGI layer (outermost but the server).

* ``X-Content-Type-Options: nosniff``: a browser takes JSON as JSON, never as a page.
* ``Referrer-Policy: no-referrer``: the API's URLs (with their queries) are not sent on.
* ``Content-Security-Policy``: for JSON and every other non-HTML answer
  ``default-src 'none'; frame-ancestors 'none'`` (nothing may run or load, nothing may
  frame it). HTML answers are the offline docs pages (/docs, /redoc): they load their
  scripts, styles and images from this server only; the one inline script (Swagger
  UI's start-up call) is allowed by its SHA-256 hash, computed from the page itself,
  and ReDoc's inline styles and blob: worker are allowed. They may not be framed
  either.
* ``X-Frame-Options: DENY``, for browsers older than ``frame-ancestors``.

A response that sets its own ``Content-Security-Policy`` keeps it, alone, and gets no
``X-Frame-Options``: its policy's ``frame-ancestors`` says who may frame it. One route
does: the reconciliation preview (app/reconcile/preview.py), an HTML card with no
script that reconciliation clients such as OpenRefine show in an iframe.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.header_lists import header_value

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
_PAGE_POLICY = (
    "default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)
_API_POLICY_HEADER = (b"content-security-policy", API_POLICY.encode())
_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


def page_policy(html: bytes) -> str:
    """The policy of an HTML page: its inline scripts, and no other, may run."""
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return _PAGE_POLICY.format(hashes=hashes)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        page_start: Message | None = None
        chunks: list[bytes] = []

        async def secured_send(message: Message) -> None:
            nonlocal page_start
            if message["type"] == "http.response.start":
                headers = list(message["headers"])
                if header_value(headers, b"content-security-policy") is not None:
                    # the route's own policy
                    headers.extend(h for h in _COMMON if h[0] != b"x-frame-options")
                    await send({**message, "headers": headers})
                    return
                headers.extend(_COMMON)
                if (header_value(headers, b"content-type") or b"").startswith(b"text/html"):
                    page_start = {**message, "headers": headers}
                    return  # the policy needs the page
                headers.append(_API_POLICY_HEADER)
                await send({**message, "headers": headers})
                return
            if page_start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            page_headers: list[tuple[bytes, bytes]] = page_start["headers"]
            html = body
            if header_value(page_headers, b"content-encoding") == b"gzip" and body:
                html = gzip.decompress(body)
            page_headers.append((b"content-security-policy", page_policy(html).encode()))
            await send(page_start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, secured_send)
