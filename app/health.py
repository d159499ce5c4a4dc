from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

router = APIRouter()


class Health(BaseModel):
    status: Literal["ok"]


@router.get("/health", response_model=Health, summary="Liveness")
def health() -> Health:
    """The process is up and serving requests."""
    return Health(status="ok")
