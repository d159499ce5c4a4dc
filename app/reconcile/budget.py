"""The time budget of a reconciliation request (``KB_RECONCILE_TIME_BUDGET``).

Every request of the reconciliation service does its database and CPU work in a worker
thread, never on the event loop, and is answered within the budget counted from its
arrival, or refused with 503 and ``Retry-After``: never a partial answer (a client
such as OpenRefine would record an unanswered query as "no match", or an unfetched
value as "no value").
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from app.core.errors import AppError

RETRY_AFTER = 5


class TimeBudgetError(AppError):
    status = 503
    slug = "time-budget-exceeded"
    title = "Time Budget Exceeded"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": str(RETRY_AFTER)})

    @classmethod
    def for_batch(cls, answered: int, total: int, budget: float) -> TimeBudgetError:
        return cls(
            f"{answered} of {total} queries answered within the {budget:g} s budget "
            "of a request; send smaller batches, or retry later"
        )


@dataclass(frozen=True)
class Deadline:
    """When the budget of a request runs out (``time.monotonic()``); ``at=None``: never."""

    at: float | None = None
    budget: float = 0.0

    @classmethod
    def start(cls, budget: float) -> Deadline:
        return cls(time.monotonic() + budget, budget)

    @property
    def passed(self) -> bool:
        return self.at is not None and time.monotonic() > self.at

    def check(self, what: str) -> None:
        """``TimeBudgetError`` once the budget has run out."""
        if self.passed:
            raise TimeBudgetError(
                f"{what} was not answered within the {self.budget:g} s budget of a request; "
                "ask for less at a time, or retry later"
            )
