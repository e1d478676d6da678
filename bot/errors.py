"""Errors that say what was wrong and what to do. Mapped to HTTP status codes in `bot.api.app`."""

from __future__ import annotations


class TellerError(Exception):
    """Base class for every error Teller raises on purpose."""

    http_status = 500


class InvalidMessage(TellerError):
    """A customer message that cannot be processed (empty, too long, control characters)."""

    http_status = 422


class InvalidSessionId(TellerError):
    http_status = 422


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
