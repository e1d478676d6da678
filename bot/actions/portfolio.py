"""`action_recommend_portfolio`: the risk questionnaire's answers -> a model allocation."""

from __future__ import annotations

import base64
import logging
from typing import Any, Final

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.slot_values import NumberAnswer, slot_whole_number
from bot.messages import say
from bot.tools.plugins import LoadOnce
from bot.tools.portfolio.chart import allocation_chart_png
from bot.tools.portfolio.loading import load_portfolio_advisor
from bot.tools.portfolio.questionnaire import (
    ACTION,
    FORM_INPUT,
    InvalidQuestionnaire,
    RiskQuestionnaire,
)
from bot.tools.portfolio.recommendation import PortfolioAdvisor, PortfolioRecommendation

log = logging.getLogger(__name__)
# What to type when a number slot holds no number (a Rasa tracker may send "abc").
NUMBER_ANSWERS: Final = {
    "age": NumberAnswer("your age", "a whole number of years", "41"),
    "horizon_years": NumberAnswer("the number of years you plan to stay invested",
                                  "a whole number", "10"),
}


def _whole(answers: dict[str, Any], name: str) -> int:
    return slot_whole_number(name, answers[name], NUMBER_ANSWERS[name], InvalidQuestionnaire)


def questionnaire_from_slots(answers: dict[str, Any]) -> RiskQuestionnaire:
    """The questionnaire the slots give; `InvalidQuestionnaire` (its message written for
    the customer, its `field` the question) for a value that won't do."""
    return RiskQuestionnaire(
        age=_whole(answers, "age"), horizon_years=_whole(answers, "horizon_years"),
        goal=str(answers["goal"]),
        reaction_to_drop=str(answers["reaction_to_drop"]),
        income_stability=str(answers["income_stability"]),
    )


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def summary_text(rec: PortfolioRecommendation) -> str:
    held = [(rec.labels[name], weight) for name, weight in rec.weights.items() if weight >= 0.005]
    lines = [
        say("portfolio.summary", score=rec.risk_score, label=rec.risk_label),
        *[f"- {label}: {_percent(weight)}" for label, weight in held],
        say("portfolio.outlook", expected=_percent(rec.expected_return),
            volatility=_percent(rec.volatility), worst=_percent(rec.worst_year)),
        rec.disclaimer,
    ]
    return "\n".join(lines)


class ActionRecommendPortfolio(Action):
    """Reads the slots the tool's schema names (`FORM_INPUT`), asks the advisor, replies with
    the allocation, a chart and the assumptions (as `custom` data)."""

    def __init__(self, advisor: PortfolioAdvisor | None = None, spec: str | None = None) -> None:
        self._spec = spec
        self._advisor = LoadOnce(lambda: advisor or self._load())

    def name(self) -> str:
        return ACTION

    def _load(self) -> PortfolioAdvisor:
        spec = self._spec
        if spec is None:
            from bot.config import Settings

            spec = Settings().portfolio_advisor
        return load_portfolio_advisor(spec)

    @property
    def advisor(self) -> PortfolioAdvisor:
        return self._advisor.get()

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        answers: dict[str, Any] = {name: tracker.get_slot(name) for name in FORM_INPUT.names}
        missing = [name for name, value in answers.items() if value is None]
        if missing:
            dispatcher.utter_message(
                text=f"I still need your answer about {', '.join(missing)} first.")
            return []
        try:
            questionnaire = questionnaire_from_slots(answers)
        except InvalidQuestionnaire as exc:  # its message is written for the customer
            log.info("risk questionnaire refused: %s does not fit", exc.field)
            dispatcher.utter_message(text=str(exc))
            return [SlotSet(exc.field, None)]
        recommendation = self.advisor.recommend(questionnaire)
        chart = base64.b64encode(allocation_chart_png(recommendation)).decode("ascii")
        dispatcher.utter_message(
            text=summary_text(recommendation),
            image=f"data:image/png;base64,{chart}",
            json_message={"tool": "portfolio", "recommendation": dict(recommendation.to_dict())},
        )
        return [SlotSet("risk_score", recommendation.risk_score)]
