"""The one place where errors become HTTP answers: domain errors to 4xx, with the field named."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hemispasm.clinic.api.schemas.common import ErrorBody, FieldError
from hemispasm.errors import (
    AuthenticationError,
    ClinicalDataError,
    ConflictError,
    HemispasmError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)


class BodyTooLargeError(HemispasmError):
    """The request body is larger than the server accepts."""


class UploadTooLargeError(BodyTooLargeError):
    """The file sent (a video, a photo) is larger than its limit (413, naming ``file``)."""

    def __init__(self, noun: str, max_bytes: int) -> None:
        super().__init__(f"file: the {noun} is larger than the limit of {max_bytes} bytes")
        self.field = "file"


STATUS: tuple[tuple[type[HemispasmError], int], ...] = (
    (ClinicalDataError, 422),
    (NotFoundError, 404),
    (ConflictError, 409),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (RateLimitedError, 429),
    (BodyTooLargeError, 413),
)


def status_of(exc: HemispasmError) -> int:
    """The HTTP status of a domain error (400 for any not listed)."""
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def _field_errors(exc: HemispasmError) -> list[FieldError]:
    field = getattr(exc, "field", None)
    if field is None:
        return []
    message = str(exc).removeprefix(f"{field}: ")
    return [FieldError(field=field, message=message)]


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")] or [str(loc[0])]
    text = ""
    for part in parts:
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text


_NAMED = re.compile(r"^([a-z_][a-z0-9_]*): (.+)$", re.DOTALL)


def _validation_errors(exc: RequestValidationError) -> list[FieldError]:
    out = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            out.append(FieldError(field="body", message="the request body is not valid JSON"))
            continue
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        field = _loc(tuple(error.get("loc", ("body",))))
        named = _NAMED.match(message)
        if field == "body" and named:  # a model-level check naming its field: "name: ..."
            field, message = named.group(1), named.group(2)
        out.append(FieldError(field=field, message=message))
    return out


def _answer(status: int, body: ErrorBody, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(HemispasmError)
    async def _domain(request: Request, exc: HemispasmError) -> JSONResponse:
        status = status_of(exc)
        headers = {}
        if isinstance(exc, AuthenticationError):
            headers["WWW-Authenticate"] = "Bearer"
        if isinstance(exc, RateLimitedError):
            headers["Retry-After"] = str(exc.retry_after_s)
        return _answer(status, ErrorBody(detail=str(exc), errors=_field_errors(exc)), headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        body = ErrorBody(detail=str(exc.detail), errors=[])
        return _answer(exc.status_code, body, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        first = errors[0] if errors else FieldError(field="request", message="invalid")
        return _answer(422, ErrorBody(detail=f"{first.field}: {first.message}", errors=errors))
