"""One lane for the CPU-bound work of search and reconciliation.

Search answers from in-memory tables in pure Python, so a thread running it holds the
GIL for its whole slice. With several such threads at once the event loop waited its
turn behind each of them: four clients posting 100-name reconciliation batches pushed
``/health`` to 86 ms (95th percentile). Running that work in one lane (one thread per
process) leaves the loop one competitor and costs no throughput: threads doing Python
work do not run in parallel anyway. Requests wait
for the lane in arrival order; reads that wait on the database (entity details, list
pages) use the ordinary worker threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from starlette.datastructures import State
from starlette.requests import Request

T = TypeVar("T")
LANE_THREADS = 1


def _lane(state: State) -> ThreadPoolExecutor:
    lane: ThreadPoolExecutor | None = getattr(state, "cpu_lane", None)
    if lane is None:  # made on first use; closed with the app (close_cpu_lane)
        lane = state.cpu_lane = ThreadPoolExecutor(LANE_THREADS, thread_name_prefix="kb-cpu-lane")
    return lane


async def in_cpu_lane(request: Request, work: Callable[[], T]) -> T:
    """``work()`` in the lane's thread, never on the event loop. The lane is an executor
    of its own, not anyio's worker threads with a limiter of one: the hop there and back
    cost 74 µs of CPU a call with 32 calls waiting, against 19 µs through an executor
    (measured on one CPU, uvloop), and search on a small knowledge base takes less."""
    return await asyncio.get_running_loop().run_in_executor(_lane(request.app.state), work)


def close_cpu_lane(state: State) -> None:
    """Let the lane's thread end once its work is done (the app's lifespan ends)."""
    lane: ThreadPoolExecutor | None = getattr(state, "cpu_lane", None)
    if lane is not None:
        state.cpu_lane = None
        lane.shutdown(wait=False)
