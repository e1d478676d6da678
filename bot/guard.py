"""Input guard: the first step of every message, before anything is loaded or stored."""

from __future__ import annotations

import re
import unicodedata

from bot.errors import InvalidMessage, InvalidSessionId

SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# Control characters other than tab and newline (C0, DEL, C1).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_message(text: object, max_chars: int) -> str:
    """Return the message normalised (NFC, trimmed) or raise `InvalidMessage` saying why."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidMessage("message is not valid UTF-8 text") from exc
    if not isinstance(text, str):
        raise InvalidMessage("message must be text")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidMessage("message is not valid UTF-8 text (lone surrogate)") from exc
    if len(text) > max_chars:
        raise InvalidMessage(
            f"message is too long ({len(text)} characters; the limit is {max_chars})"
        )
    if CONTROL.search(text):
        raise InvalidMessage("message contains control characters; send plain text")
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise InvalidMessage("message is empty; type a question")
    return text


def check_session_id(session_id: str) -> str:
    if not SESSION_ID.match(session_id):
        raise InvalidSessionId(
            "session id must be 1-64 characters of letters, digits, '_', '-', '.' or ':'"
        )
    return session_id
