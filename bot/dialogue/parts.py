"""Which parts of a message are requests: a message split by `bot.nlu.segments` is kept
split only when two or more parts are requests for different things."""

from __future__ import annotations

from dataclasses import dataclass

from bot.dialogue.context import target_of
from bot.dialogue.policy import HANDOFF_INTENT, RESTART_INTENT, Decision, Understanding

# Intents that are courtesies, not requests: they never hide a request in the same message.
SMALL_TALK = {"greet", "thanks", "goodbye", "small_talk", "affirm", "deny", "bot_challenge"}
# Intents that ask what the bot can do ("what can I do?"): a request only when nothing else
# in the message is ("I asked for a refund and never got it. What can I do?" asks about the
# refund).
MENU = {"help"}
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
    if any(target_of(p.decision) not in MENU for p in requests):
        requests = [p for p in requests if target_of(p.decision) not in MENU]
    return sorted(requests, key=lambda p: p.decision.action == "handoff")


# How far down a part's own ranking the whole message's other reading may be found.
PART_RANK = 3


def second_reading(requests: list[MessagePart], parts: list[MessagePart],
                   whole: Understanding, min_confidence: float) -> MessagePart | None:
    """The other request of a message the model reads as one of two things at once.

    "I lost my old card and the new one hasn't come either": read whole, the model hesitates
    between lost card and card arrival; read in parts, the first is plainly the lost card and
    the second ("the new one hasn't come either") is unsure, with card arrival among its
    likely readings. The whole's other reading is then that part's request."""
    ranking = whole.prediction.ranking[:2]
    if len(requests) != 1 or len(ranking) < 2 or requests[0].decision.intent is None:
        return None
    found = requests[0].decision.intent.name
    names = [score.name for score in ranking]
    if found not in names or min(s.confidence for s in ranking) < min_confidence:
        return None
    other = names[1] if names[0] == found else names[0]
    if other in SMALL_TALK or other in MENU or other in (RESTART_INTENT, HANDOFF_INTENT):
        return None
    for part in parts:
        if part is requests[0]:
            continue
        for score in part.understood.prediction.ranking[:PART_RANK]:
            if score.name == other and score.confidence >= min_confidence:
                return MessagePart(part.text, part.understood,
                                   Decision("answer_intent", intent=score))
    return None
