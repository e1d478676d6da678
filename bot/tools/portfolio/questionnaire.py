"""The portfolio tool's published schema: the risk questionnaire, its answers and limits.

Cheap to import (standard library only): the knowledge-base loader reads `FORM_INPUT` to
check the portfolio form, and `RiskQuestionnaire` validates against the same constants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, TypedDict

from bot.errors import InvalidAnswer
from bot.tools.inputs import Choice, InputField, ToolInput, choices_text

ACTION: Final = "action_recommend_portfolio"
MIN_AGE, MAX_AGE = 18, 100
MIN_HORIZON, MAX_HORIZON = 1, 50


@dataclass(frozen=True)
class ScoredChoice(Choice):
    """An allowed answer and the points it adds to the risk score."""

    points: int


REACTION_QUESTION: Final = "If your investments fell 20% in a year, what would you do?"

GOALS: Final[Mapping[str, ScoredChoice]] = {
    "preserve": ScoredChoice("Keep my money safe", 0),
    "income": ScoredChoice("Earn a steady income", 7),
    "balanced": ScoredChoice("A balance of growth and safety", 13),
    "growth": ScoredChoice("Grow my money over the long term", 20),
}
REACTIONS_TO_DROP: Final[Mapping[str, ScoredChoice]] = {
    "sell_all": ScoredChoice("Sell everything", 0),
    "sell_some": ScoredChoice("Sell some of it", 8),
    "hold": ScoredChoice("Hold on and wait", 17),
    "buy_more": ScoredChoice("Buy more while prices are low", 25),
}
INCOME_STABILITY: Final[Mapping[str, ScoredChoice]] = {
    "unstable": ScoredChoice("My income is irregular or uncertain", 0),
    "stable": ScoredChoice("My income is steady", 5),
    "very_stable": ScoredChoice("My income is very secure and I have savings to fall back on",
                                10),
}

FORM_INPUT: Final = ToolInput(ACTION, "portfolio", (
    InputField("age", "age", "the investor's age", min=MIN_AGE, max=MAX_AGE),
    InputField("horizon_years", "duration", "how many years the money stays invested",
               unit="years", min=MIN_HORIZON, max=MAX_HORIZON),
    InputField("goal", "choice", "what matters most for this money", choices=GOALS),
    InputField("reaction_to_drop", "choice", REACTION_QUESTION, choices=REACTIONS_TO_DROP),
    InputField("income_stability", "choice", "how secure the investor's income is",
               choices=INCOME_STABILITY),
))
"""The slots `action_recommend_portfolio` reads, one per `RiskQuestionnaire` field; the
knowledge base's portfolio form must have them, and may restate a limit only if equal."""


class InvalidQuestionnaire(InvalidAnswer):
    """An answer outside the allowed range; `field` (also `question`) names the question."""

    @property
    def question(self) -> str:
        return self.field


def _check_whole_number(question: str, value: object, low: int, high: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidQuestionnaire(
            question, f"Please enter {what} as a whole number from {low} to {high}."
        )


def _check_choice(question: str, value: object, choices: Mapping[str, ScoredChoice],
                  what: str) -> None:
    if not isinstance(value, str) or value not in choices:
        raise InvalidQuestionnaire(
            question, f"Please choose {what} from: {choices_text(choices)}."
        )


class RiskQuestionnairePayload(TypedDict):
    """The JSON body of a questionnaire (`RiskQuestionnaire.to_dict`)."""

    age: int
    horizon_years: int
    goal: str
    reaction_to_drop: str
    income_stability: str


@dataclass(frozen=True)
class RiskQuestionnaire:
    """A customer's answers. Choice fields hold the keys of `GOALS`, `REACTIONS_TO_DROP`
    and `INCOME_STABILITY`."""

    age: int
    horizon_years: int
    goal: str
    reaction_to_drop: str
    income_stability: str

    def __post_init__(self) -> None:
        _check_whole_number("age", self.age, MIN_AGE, MAX_AGE, "your age")
        _check_whole_number("horizon_years", self.horizon_years, MIN_HORIZON, MAX_HORIZON,
                            "how many years you plan to stay invested")
        _check_choice("goal", self.goal, GOALS, "your goal")
        _check_choice("reaction_to_drop", self.reaction_to_drop, REACTIONS_TO_DROP,
                      "what you would do if your investments fell 20% in a year")
        _check_choice("income_stability", self.income_stability, INCOME_STABILITY,
                      "how secure your income is")

    def to_dict(self) -> RiskQuestionnairePayload:
        return {"age": self.age, "horizon_years": self.horizon_years, "goal": self.goal,
                "reaction_to_drop": self.reaction_to_drop,
                "income_stability": self.income_stability}
