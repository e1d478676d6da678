"""What a tool asks for: its published input schema, and the allowed answers of a choice.

Each tool's light schema module (`bot.tools.credit_risk.schema`,
`bot.tools.portfolio.questionnaire`) publishes a `ToolInput`: the fields its action reads,
with their kind, unit, limits and allowed choices. The tool's own validation uses the same
constants, the action reads its slots from it, and the knowledge-base loader checks each
form against it (`bot.tools.registry`). Nothing here imports more than the standard library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

InputType = Literal["money", "duration", "age", "number", "choice"]
"""The kinds of answer a tool takes; each is also a form slot type of the knowledge base."""


@dataclass(frozen=True)
class Choice:
    """One allowed answer of a choice question: the words a customer sees for it."""

    label: str


def choices_text(choices: Mapping[str, Choice], *, with_keys: bool = False) -> str:
    """The allowed answers for a message: '"a new car" (new_car); ...' with keys, else
    '"Keep my money safe"; ...'."""
    return "; ".join(f'"{choice.label}" ({key})' if with_keys else f'"{choice.label}"'
                     for key, choice in choices.items())


@dataclass(frozen=True)
class InputField:
    """One answer a tool's action needs. Numbers are checked against `min`..`max` (in
    `unit`: a currency such as "EUR", or "months" / "years"); a choice takes a key of
    `choices`. `description` says what it is, in words a content editor understands."""

    name: str
    type: InputType
    description: str
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    choices: Mapping[str, Choice] | None = None

    def __post_init__(self) -> None:
        if (self.type == "choice") != (self.choices is not None):
            raise ValueError(f"input {self.name!r}: choices go with type 'choice' only")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"input {self.name!r}: min is greater than max")


@dataclass(frozen=True)
class ToolInput:
    """The input schema of one tool action: every field is required."""

    action: str
    tool: str
    fields: tuple[InputField, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> InputField:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(f"{self.action} has no input {name!r}")

