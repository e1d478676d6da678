"""`action_assess_credit_risk`: the loan form's answers -> probability of default, a
decision band and the reasons behind it (as credit rules ask: US Reg B, the EU's GDPR)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.slot_values import NumberAnswer, slot_number, slot_whole_number
from bot.messages import say
from bot.tools.credit_risk.application import InvalidLoanApplication, LoanApplication
from bot.tools.credit_risk.assessment import (
    CreditAssessment,
    CreditRiskModel,
    DecisionThresholds,
)
from bot.tools.credit_risk.loading import load_credit_risk_model
from bot.tools.credit_risk.schema import ACTION, DM_PER_EUR, FORM_INPUT
from bot.tools.plugins import LoadOnce

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)



def employment_band(years: float) -> str:
    """Years with the current employer (-1 = unemployed) -> the model's employment band."""
    if years < 0:
        return "unemployed"
    if years < 1:
        return "under_1_year"
    if years < 4:
        return "1_to_4_years"
    return "4_to_7_years" if years < 7 else "7_years_or_more"


def savings_band(euros: float) -> str:
    """Savings in EUR -> the data's savings band (its limits are in DM: 100, 500, 1,000)."""
    marks = euros * DM_PER_EUR
    if euros <= 0:
        return "none"
    if marks < 100:
        return "under_100"
    if marks < 500:
        return "100_to_500"
    return "500_to_1000" if marks < 1000 else "1000_or_more"


# What to type when a number slot holds no number (a Rasa tracker may send "abc").
NUMBER_ANSWERS: Final = {
    "amount": NumberAnswer("the loan amount", "a number of euros", "5000"),
    "duration_months": NumberAnswer("the repayment period", "a whole number of months", "24"),
    "age": NumberAnswer("your age", "a whole number of years", "41"),
    "employment_years": NumberAnswer("your time with your current employer",
                                     "a number of years (-1 if you are not working)", "3"),
    "savings": NumberAnswer("your savings", "a number of euros (0 if none)", "2000"),
}


def _number(slots: dict[str, Any], name: str) -> float:
    return slot_number(name, slots[name], NUMBER_ANSWERS[name], InvalidLoanApplication)


def _whole(slots: dict[str, Any], name: str) -> int:
    return slot_whole_number(name, slots[name], NUMBER_ANSWERS[name], InvalidLoanApplication)


def application_from_slots(slots: dict[str, Any]) -> LoanApplication:
    """The application the slots give; `InvalidLoanApplication` (its message written for
    the customer) for a value that won't do."""
    return LoanApplication(
        amount_eur=_number(slots, "amount"),
        duration_months=_whole(slots, "duration_months"),
        purpose=str(slots["purpose"]),
        age=_whole(slots, "age"),
        employment=employment_band(_number(slots, "employment_years")),
        housing=str(slots["housing"]),
        savings=savings_band(_number(slots, "savings")),
    )


def summary_text(assessment: CreditAssessment) -> str:
    """The result in the language of the conversation (`bot.messages`); the factors' own
    wording comes from the model's explanation (`bot.tools.credit_risk.explain`)."""
    lines = [
        f"{say(f'credit.{assessment.band}')} "
        f"{say('credit.default_chance', chance=f'{assessment.probability_of_default:.0%}')}",
    ]
    if assessment.reasons:
        lines.append(say("credit.factors"))
        lines += [f"- {reason.text}" for reason in assessment.reasons]
    lines.append(say("credit.disclaimer"))
    return "\n".join(lines)


class ActionAssessCreditRisk(Action):
    """Reads the slots the tool's schema names (`FORM_INPUT`), asks the configured
    credit-risk model, replies with the band, the probability and the reasons (and the whole
    assessment as `custom` data)."""

    def __init__(self, model: CreditRiskModel | None = None,
                 settings: Settings | None = None) -> None:
        self._settings = settings
        self._model = LoadOnce(lambda: model or self._load())

    def name(self) -> str:
        return ACTION

    def _load(self) -> CreditRiskModel:
        from bot.config import Settings

        settings = self._settings or Settings()
        return load_credit_risk_model(
            settings.credit_risk_model, settings.credit_model_dir,
            DecisionThresholds(settings.credit_approve_below, settings.credit_decline_above),
        )

    @property
    def model(self) -> CreditRiskModel:
        return self._model.get()

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slots = {name: tracker.get_slot(name) for name in FORM_INPUT.names}
        missing = [name for name, value in slots.items() if value is None]
        if missing:
            dispatcher.utter_message(
                text=f"I still need your answer about {', '.join(missing)} first.")
            return []
        try:
            application = application_from_slots(slots)
        except InvalidLoanApplication as exc:  # its message is written for the customer
            log.info("loan application refused: %s does not fit", exc.field)
            dispatcher.utter_message(text=str(exc))
            return []
        assessment = self.model.assess(application)
        dispatcher.utter_message(
            text=summary_text(assessment),
            json_message={"tool": "credit_risk", "application": dict(application.to_dict()),
                          "assessment": dict(assessment.to_dict())},
        )
        return [SlotSet("loan_decision", assessment.band),
                SlotSet("probability_of_default", round(assessment.probability_of_default, 4))]
