"""One lane for the CPU-bound work of search and reconciliation.

Search answers from in-memory tables in pure Python, so a thread running it holds the
GIL for its whole slice. With several such threads at once the event loop waited its
turn behind each of them: four clients posting 100-name reconciliation batches pushed
``/health`` to 86 ms (95th percentile). Running that work in one lane (a capacity
limiter of one thread per process) leaves the loop one competitor and costs no
throughput: threads doing Python work do not run in parallel anyway. Requests wait
for the lane in arrival order; reads that wait on the database (entity details, list
pages) use the ordinary worker threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
from starlette.requests import Request

T = TypeVar("T")
LANE_THREADS = 1


def _lane(request: Request) -> anyio.CapacityLimiter:
    state = request.app.state
    lane: anyio.CapacityLimiter | None = getattr(state, "cpu_lane", None)
    if lane is None:  # made on the event loop, on first use
        lane = state.cpu_lane = anyio.CapacityLimiter(LANE_THREADS)
    return lane


async def in_cpu_lane(request: Request, work: Callable[[], T]) -> T:
    """``work()`` in a worker thread of the lane, never on the event loop."""
    return await anyio.to_thread.run_sync(work, limiter=_lane(request))
