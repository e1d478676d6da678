"""What to type for a form slot, with an example: the hint a reply gives when an answer
could not be used ("Please give the amount as a number, like 5000.")."""

from __future__ import annotations

import math

from bot.kb import FormSlot

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
        return "Please choose one of: " + "; ".join(f'"{c.title}"' for c in slot.choices) + "."
    if slot.type == "yes_no":
        return "Please answer yes or no."
    if slot.type == "date":
        return "Please give a date, like 14 March."
    example = _example(slot)
    if slot.type == "money":
        return f"Please give the amount as a number, like {example}."
    if slot.type == "duration":
        unit = slot.unit or "months"
        return f"Please give it as a number of {unit}, like {example} {unit}."
    if slot.type == "age":
        return f"Please give the age as a whole number, like {example}."
    if slot.type == "percentage":
        return f"Please give it as a percentage, like {example}%."
    return f"Please give it as a number, like {example}."
