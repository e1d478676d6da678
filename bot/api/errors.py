"""The API's error body (`{"error": {"type", "message"}}`) and the handlers that turn every
failure into it: Teller's own errors, HTTP errors, invalid requests and the unexpected."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.errors import TellerError

log = logging.getLogger("bot.api.app")


class ErrorBody(BaseModel):
    type: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse, "description": text} for code, text in {
        401: "No API key, or an unknown or revoked one", 404: "No such session for this key",
        413: "Body too large", 422: "Invalid request", 429: "Rate limit; see Retry-After",
        503: "Model not ready",
    }.items()
}


def error_response(status: int, kind: str, message: str,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(type=kind, message=message))
    return JSONResponse(status_code=status, content=body.model_dump(), headers=headers)


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TellerError)
    async def _teller_error(_: Request, exc: TellerError) -> JSONResponse:
        if exc.http_status >= 500:
            log.error("request failed: %s", exc)
        return error_response(exc.http_status, type(exc).__name__, str(exc),
                              exc.headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=exc)
        return error_response(500, "InternalError",
                              "the assistant failed on this request; it was not stored. Try "
                              "again, and tell the bank's support team if it keeps happening")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = str(exc.detail)
        if exc.status_code == 400 and "parsing the body" in message:
            message = "request body is not valid JSON in UTF-8"
        return error_response(exc.status_code, "HTTPError", message)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        return error_response(422, "InvalidRequest", problems or "invalid request body")
