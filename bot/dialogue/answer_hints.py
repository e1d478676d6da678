"""What to type for a form slot, with an example: the hint a reply gives when an answer
could not be used ("Please give the amount as a number, like 5000.")."""

from __future__ import annotations

import math

from bot.kb import FormSlot
from bot.messages import say

# Example answers for `answer_hint`, most natural first; the first within the slot's range.
EXAMPLES = {"money": (5000, 1000, 500, 100, 10), "age": (41, 30, 65, 18),
            "percentage": (5, 10, 1), "number": (3, 1, 10, 100)}
DURATION_EXAMPLES = {"months": (24, 12, 6, 3, 1), "years": (5, 3, 10, 1)}


def _example(slot: FormSlot) -> str:
    unit = slot.unit or "months"
    candidates = (DURATION_EXAMPLES.get(unit, (3, 1)) if slot.type == "duration"
                  else EXAMPLES.get(slot.type, (3, 1)))
    low = slot.min if slot.min is not None else -math.inf
    high = slot.max if slot.max is not None else math.inf
    chosen = next((c for c in candidates if low <= c <= high),
                  slot.min if slot.min is not None else candidates[0])
    return f"{chosen:g}"


def answer_hint(slot: FormSlot) -> str:
    """What to type for `slot`, with an example: "Please give the amount as a number, like
    5000."."""
    if slot.type == "choice":
        return say("hint.choice", choices="; ".join(f'"{c.title}"' for c in slot.choices))
    if slot.type == "yes_no":
        return say("hint.yes_no")
    if slot.type == "date":
        return say("hint.date")
    example = _example(slot)
    if slot.type == "duration":
        return say("hint.duration", example=example,
                   unit=say(f"unit.{slot.unit or 'months'}"))
    if slot.type in ("money", "age", "percentage"):
        return say(f"hint.{slot.type}", example=example)
    return say("hint.number", example=example)
