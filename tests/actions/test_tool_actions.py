"""The tool actions in-process: they read the slots their tool's schema names."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.credit_risk import ActionAssessCreditRisk
from bot.actions.portfolio import ActionRecommendPortfolio
from bot.actions.runner import tracker_state
from bot.tools.credit_risk import CreditAssessment, CreditReason, LoanApplication
from bot.tools.credit_risk.schema import FORM_INPUT as CREDIT_RISK_INPUT
from bot.tools.portfolio.questionnaire import FORM_INPUT as PORTFOLIO_INPUT


class FixedModel:
    def __init__(self) -> None:
        self.seen: list[LoanApplication] = []

    def assess(self, application: LoanApplication) -> CreditAssessment:
        self.seen.append(application)
        reason = CreditReason("amount_eur", "The loan is for 5,000 EUR.", 0.4)
        return CreditAssessment(0.3, "refer", [reason], [], "fixed")


def run(action: Any, slots: dict[str, Any]) -> tuple[list[dict[str, Any]], list[Any]]:
    dispatcher = CollectingDispatcher()
    tracker = Tracker.from_dict(tracker_state("s1", slots, "", None))
    events = action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


LOAN = {"amount": 5000, "duration_months": 24, "purpose": "used_car", "age": 41,
        "employment_years": 10, "housing": "own", "savings": 3000}


def test_actions_are_named_by_their_schemas() -> None:
    assert ActionAssessCreditRisk(FixedModel()).name() == CREDIT_RISK_INPUT.action
    assert ActionRecommendPortfolio().name() == PORTFOLIO_INPUT.action
    assert set(LOAN) == set(CREDIT_RISK_INPUT.names)


def test_credit_action_asks_for_the_schemas_missing_slots_in_order() -> None:
    model = FixedModel()
    partial = {k: v for k, v in LOAN.items() if k not in ("age", "savings")}
    messages, events = run(ActionAssessCreditRisk(model), partial)
    assert [m["text"] for m in messages] == ["I still need your answer about age, savings first."]
    assert events == [] and model.seen == []


def test_credit_action_turns_the_slots_into_an_application() -> None:
    model = FixedModel()
    messages, events = run(ActionAssessCreditRisk(model), LOAN)
    assert model.seen == [LoanApplication(amount_eur=5000.0, duration_months=24,
                                          purpose="used_car", age=41,
                                          employment="7_years_or_more", housing="own",
                                          savings="1000_or_more")]
    assert [(e["name"], e["value"]) for e in events] == [("loan_decision", "refer"),
                                                         ("probability_of_default", 0.3)]
    assert messages[0]["text"] == (
        "On these answers we would need a person to look at your application. Estimated "
        "chance of the loan not being repaid: 30%.\nThe main factors:\n"
        "- The loan is for 5,000 EUR.\n"
        "This is an indicative result, not a credit decision or an offer.")


def test_credit_action_explains_a_value_the_tool_refuses() -> None:
    model = FixedModel()
    messages, events = run(ActionAssessCreditRisk(model), {**LOAN, "amount": 60_000})
    assert [m["text"] for m in messages] == [
        "Please give the loan amount as a number from 1,000 to 50,000 euros (you gave 60000.0)."]
    assert events == [] and model.seen == []
