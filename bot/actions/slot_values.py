"""Numbers out of a Rasa tracker's slots, for the tool actions.

A Rasa server sends a slot as whatever JSON value it holds: 5000, "5000", "abc", [41], a
float too large to be finite. The tool actions read their numbers through `slot_number`,
so a value that is no usable number becomes the tool's own `InvalidAnswer`, whose message
tells the customer what to type ("Please give the loan amount as a number of euros, like
5000."), never Python's own error text ("could not convert string to float: 'abc'").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.errors import InvalidAnswer


@dataclass(frozen=True)
class NumberAnswer:
    """How to ask again for a number: "Please give {what} as {kind}, like {example}."."""

    what: str
    kind: str
    example: str

    def problem(self) -> str:
        return f"Please give {self.what} as {self.kind}, like {self.example}."


def as_finite_number(value: object) -> float | None:
    """`value` as a finite float (a number, or a string that spells one), else None."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            number = float(value.strip())
        else:
            return None
    except (ValueError, OverflowError):  # "abc"; an int too large for a float
        return None
    return number if math.isfinite(number) else None


def slot_number(slot: str, value: object, answer: NumberAnswer,
                error: type[InvalidAnswer]) -> float:
    """The slot's value as a finite number, or `error(slot, <what to type>)`."""
    number = as_finite_number(value)
    if number is None:
        raise error(slot, answer.problem())
    return number


def slot_whole_number(slot: str, value: object, answer: NumberAnswer,
                      error: type[InvalidAnswer]) -> int:
    """Like `slot_number`, truncated to a whole number as `int()` would."""
    return int(slot_number(slot, value, answer, error))
