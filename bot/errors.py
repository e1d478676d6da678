"""Errors that say what was wrong and what to do. Mapped to HTTP status codes in `bot.api.app`."""

from __future__ import annotations


class TellerError(Exception):
    """Base class for every error Teller raises on purpose."""

    http_status = 500
    headers: dict[str, str] = {}  # noqa: RUF012 - read-only default, replaced per instance


class Unauthorized(TellerError):
    """No API key, or one that is unknown or revoked."""

    http_status = 401
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012


class RateLimited(TellerError):
    http_status = 429

    def __init__(self, retry_after_seconds: int, who: str = "this API key") -> None:
        super().__init__(f"too many requests for {who}; retry in {retry_after_seconds} s")
        self.headers = {"Retry-After": str(retry_after_seconds)}


class NotFound(TellerError):
    http_status = 404


class InvalidMessage(TellerError):
    """A customer message that cannot be processed (empty, too long, control characters)."""

    http_status = 422


class InvalidSessionId(TellerError):
    http_status = 422


class SessionNotFound(NotFound):
    """No such session for this caller (also said for another key's session: no probing)."""

    http_status = 404

    def __init__(self, session_id: str) -> None:
        super().__init__(
            f"session {session_id!r} not found; start one with POST /v1/sessions"
        )
        self.session_id = session_id


class InvalidAnswer(TellerError, ValueError):
    """A customer's answer to a tool's question that cannot be used; `field` names the
    question and the message is written for the customer."""

    http_status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field

    def __reduce__(self) -> tuple[type[InvalidAnswer], tuple[str, str]]:
        return type(self), (self.field, str(self))


class ConfigurationError(TellerError):
    """Settings that cannot work (unknown device, missing encoder folder...)."""


class ModelNotReady(TellerError):
    """A model or index folder is missing or incompatible; the message says how to build it."""

    http_status = 503


class TrainingDataError(TellerError):
    """Training data that cannot be used; the message names the file and row."""


class DamagedFile(TellerError):
    """A file Teller wrote (model, index, database) that can no longer be read as written:
    truncated, overwritten or not the format it should be. Never repaired silently: the
    message names the file, what is wrong and what to do."""

    http_status = 503

    def __init__(self, path: object, problem: str, fix: str) -> None:
        super().__init__(f"{path} is damaged ({problem}): {fix}")
        self.path = str(path)
        self.problem = problem
        self.fix = fix

    def __reduce__(self) -> tuple[type[DamagedFile], tuple[str, str, str]]:
        return type(self), (self.path, self.problem, self.fix)
