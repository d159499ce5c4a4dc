"""Long streamed answers (bulk exports) that must reach the client as they are written.

The ETag layer (``app.core.http_cache``) buffers a whole answer to hash it, and the
response cache keeps what it passes: right for an entity, fatal for a 1 GB export, which
would be held in memory whole. ``DirectSendMiddleware`` sits outside those layers and
leaves, in the request's scope, the ``send`` of the layers outside it;
``UnbufferedStreamingResponse`` sends through that one, past gzip and the ETag layer
(the response cache never stores these paths: ``UNCACHED_PREFIXES``). Everything
outside (HEAD, the 500 answer, CORS, security headers) still sees every message.

Such a response sets its own validators (an export's ETag names its revision), and
closes what it read from (``on_close``) when it ends, fails or the client goes away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import anyio
from starlette.concurrency import iterate_in_threadpool
from starlette.responses import StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

DIRECT_SEND = "kb.direct_send"


class DirectSendMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[DIRECT_SEND] = send
        await self.app(scope, receive, send)


class StreamInterruptedError(RuntimeError):
    """The body failed after its first bytes were sent: the connection is closed
    without the end of the answer, so the client sees it cut short (never a complete
    wrong one), and no error handler tries to send a second answer."""


class UnbufferedStreamingResponse(StreamingResponse):
    def __init__(
        self,
        chunks: Iterator[bytes],
        *,
        media_type: str,
        headers: Mapping[str, str],
        on_close: Callable[[], None],
    ) -> None:
        super().__init__(iterate_in_threadpool(chunks), media_type=media_type, headers=headers)
        self._chunks = chunks
        self._on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, scope.get(DIRECT_SEND, send))
        except Exception as exc:
            raise StreamInterruptedError(f"export stream failed: {exc!r}") from exc
        finally:
            # Shielded: runs when the client went away (the task is cancelled) too. No
            # thread is still reading the chunks by then (to_thread waits for it).
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self._close)

    def _close(self) -> None:
        try:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()
        finally:
            self._on_close()
