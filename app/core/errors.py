"""One error vocabulary: AppError subclasses carry their status, and every error the
API returns is RFC 9457 ``application/problem+json``."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("app.errors")

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://smk-kb.example/problems/"


class ProblemError(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemError] | None = None
    request_id: str | None = None


class AppError(Exception):
    status = 500
    slug = "internal-error"
    title = "Internal Server Error"

    def __init__(self, detail: str, errors: list[ProblemError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class NotFoundError(AppError):
    status = 404
    slug = "not-found"
    title = "Not Found"


class InvalidParameterError(AppError):
    status = 422
    slug = "invalid-parameter"
    title = "Invalid Parameter"

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(
            f"{parameter}: {message}", [ProblemError(loc=["query", parameter], msg=message)]
        )


def problem_response(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[ProblemError] | None = None,
    headers: dict[str, str] | None = None,
    request_id: str | None = None,
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_BASE + slug,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
        request_id=request_id,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _loc(parts: Any) -> list[str | int]:
    return [p if isinstance(p, int) else str(p) for p in parts]


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(request, exc.status, exc.slug, exc.title, exc.detail, exc.errors)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [ProblemError(loc=_loc(e["loc"]), msg=e["msg"]) for e in exc.errors()]
    detail = "; ".join(
        f"{'.'.join(str(p) for p in e.loc[1:]) or e.loc[0]}: {e.msg}" for e in errors
    )
    return problem_response(
        request, 422, "invalid-parameter", "Invalid Parameter", detail, errors=errors
    )


_HTTP_TITLES = {404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable"}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _HTTP_TITLES.get(exc.status_code, "HTTP Error")
    if exc.status_code == 404:
        detail = f"no resource at {request.url.path}"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    else:
        detail = str(exc.detail)
    slug = title.lower().replace(" ", "-")
    return problem_response(
        request, exc.status_code, slug, title, detail, headers=getattr(exc, "headers", None)
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    request_id = uuid.uuid4().hex
    logger.exception("unhandled error, request_id=%s", request_id, exc_info=exc)
    return problem_response(
        request,
        500,
        "internal-error",
        "Internal Server Error",
        f"An unexpected error occurred. Quote request id {request_id} when reporting it.",
        request_id=request_id,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the problems a route can return."""
    descriptions = {
        404: "No entity with that id",
        422: "Invalid parameter",
        500: "Unexpected error",
    }
    return {
        status: {
            "model": Problem,
            "description": descriptions.get(status, "Problem"),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
