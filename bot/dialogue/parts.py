"""Which parts of a message are requests: a message split by `bot.nlu.segments` is kept
split only when two or more parts are requests for different things."""

from __future__ import annotations

from dataclasses import dataclass

from bot.dialogue.context import target_of
from bot.dialogue.policy import Decision, Understanding

# Intents that are courtesies, not requests: they never hide a request in the same message.
SMALL_TALK = {"greet", "thanks", "goodbye", "small_talk", "affirm", "deny", "bot_challenge"}
# The reply's `data` key that lists the parts of a message and what each got.
PARTS = "parts"


@dataclass(frozen=True)
class MessagePart:
    text: str
    understood: Understanding
    decision: Decision


def is_request(part: MessagePart) -> bool:
    target = target_of(part.decision)
    return target is not None and target not in SMALL_TALK


def several_requests(parts: list[MessagePart]) -> list[MessagePart]:
    """The request parts, one per target (two parts asking the same thing are one request);
    a request for a person comes last (the other questions are answered first)."""
    requests: list[MessagePart] = []
    seen: set[str] = set()
    for part in parts:
        target = target_of(part.decision)
        if not is_request(part) or target is None or target in seen:
            continue
        seen.add(target)
        requests.append(part)
    return sorted(requests, key=lambda p: p.decision.action == "handoff")
