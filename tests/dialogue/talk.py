"""A conversation in one session, for the tests of whole conversations."""

from __future__ import annotations

from bot.pipeline import Assistant
from bot.response import BotResponse


def talk(assistant: Assistant, messages: list[str]) -> list[BotResponse]:
    """Send `messages` one after the other in one new session; the replies in order."""
    session = None
    replies = []
    for message in messages:
        reply = assistant.handle(message, session)
        session = reply.session_id
        replies.append(reply)
    return replies
