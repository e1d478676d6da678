"""The one door every channel goes through: REST API, Rasa webhook, web chat, CLI.

A `Channel` hands a message to the assistant and records the reply the same way for all of
them: the reply metrics (latency, intent, what the assistant did), a per-channel message
count, and (at debug level) one structured log line without the message text.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.response import BotResponse

if TYPE_CHECKING:
    from bot.metrics import Metrics
    from bot.pipeline import Assistant

log = logging.getLogger("teller.channel")


class Channel:
    """One named channel (`api`, `rasa-rest`, `web-chat`, `cli`) of a runtime."""

    def __init__(self, name: str, assistant: Assistant, metrics: Metrics) -> None:
        self.name = name
        self.assistant = assistant
        self.metrics = metrics

    def handle(self, message: object, session_id: str | None = None,
               owner: str | None = None, create: bool = True,
               locale: str | None = None) -> BotResponse:
        """`Assistant.handle`, recorded. Bad input raises before anything is stored."""
        reply = self.assistant.handle(message, session_id, owner, create, locale)
        self.record(reply)
        return reply

    def record(self, reply: BotResponse) -> None:
        self.metrics.observe_reply(reply, self.name)
        if log.isEnabledFor(logging.DEBUG):  # the request log already has one line at INFO
            log.debug("reply", extra={"channel": self.name, "action": reply.action,
                                      "intent": reply.intent.name if reply.intent else None,
                                      "latency_ms": round(reply.latency_ms, 2)})
