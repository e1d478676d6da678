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


FAILED_MESSAGE = ("the assistant failed on this request; it was not stored. Try again, and "
                  "tell the bank's support team if it keeps happening")


def teller_error_message(exc: TellerError) -> str:
    """What the caller reads: the error's own words, which say what to do, except for a
    server-side failure (5xx but 503), whose words name internals and stay in the log."""
    if exc.http_status >= 500 and exc.http_status != 503:
        return FAILED_MESSAGE
    return str(exc)


def body_parse_problem(cause: BaseException | None) -> str:
    """Why FastAPI could not read the JSON body (the exception it raised from)."""
    if isinstance(cause, RecursionError):
        return "request body is nested too deeply; send a JSON object a few levels deep"
    if isinstance(cause, ValueError) and not isinstance(cause, UnicodeError) and (
            "digits" in str(cause)):
        return "request body holds a number with too many digits; send numbers as JSON does"
    return "request body is not valid JSON in UTF-8"


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(TellerError)
    async def _teller_error(_: Request, exc: TellerError) -> JSONResponse:
        if exc.http_status >= 500:
            log.error("request failed: %s", exc)
        return error_response(exc.http_status, type(exc).__name__, teller_error_message(exc),
                              exc.headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=exc)
        return error_response(500, "InternalError", FAILED_MESSAGE)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = str(exc.detail)
        if exc.status_code == 400 and "parsing the body" in message:
            message = body_parse_problem(exc.__cause__)
        return error_response(exc.status_code, "HTTPError", message)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        return error_response(422, "InvalidRequest", problems or "invalid request body")
