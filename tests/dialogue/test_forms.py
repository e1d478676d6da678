"""Forms on the default knowledge base, driven through the real dialogue manager, the real
rasa-sdk executor and the real tools. The NLU result of each message is given directly
(the intent model is tested elsewhere; the stories run everything end to end)."""

from __future__ import annotations

import time

import pytest

from bot.components import build_forms, policy_config
from bot.config import Settings
from bot.dialogue.manager import DialogueManager
from bot.dialogue.policy import RulePolicy, Understanding
from bot.dialogue.store import InMemorySessionStore
from bot.nlu.types import IntentPrediction, IntentScore
from bot.response import BotResponse
from bot.tools.credit_risk import CreditAssessment, LoanApplication
from training.prepare import prepare_credit_risk_model


class Conversation:
    def __init__(self, settings: Settings, kb) -> None:
        self.store = InMemorySessionStore()
        self.manager = DialogueManager(kb, RulePolicy(kb, policy_config(settings)), self.store,
                                       forms=build_forms(settings, kb))

    def say(self, text: str, intent: str = "greet", confidence: float = 0.05) -> BotResponse:
        understood = Understanding(IntentPrediction([IntentScore(intent, confidence)]), [])
        return self.manager.respond("s1", text, understood)

    @property
    def state(self):
        return self.store.load("s1")


@pytest.fixture(scope="module")
def tool_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("forms"), device="cpu")
    prepare_credit_risk_model(settings)  # what `teller serve` does first; the runtime never trains
    return settings


@pytest.fixture
def chat(tool_settings, default_kb) -> Conversation:
    return Conversation(tool_settings, default_kb)


LOAN_ANSWERS = ["5000 euros", "24 months", "a used car", "41", "10 years", "I own my home",
                "3000"]


def test_loan_form_collects_every_slot_then_decides(chat: Conversation) -> None:
    reply = chat.say("can I get a loan?", "loan_enquiry", 0.97)
    assert reply.action == "form_ask" and reply.form == "loan_application"
    assert "€1,000 to €50,000" in reply.text and reply.text.endswith("in euros?")
    for answer in LOAN_ANSWERS[:-1]:
        reply = chat.say(answer)
        assert reply.action == "form_ask", (answer, reply.text)
    assert chat.state.slots == {"amount": 5000, "duration_months": 24, "purpose": "used_car",
                                "age": 41, "employment_years": 10, "housing": "own"}
    reply = chat.say(LOAN_ANSWERS[-1])
    assert reply.action == "tool_result"
    assessment = reply.data["assessment"]
    assert reply.data["application"]["employment"] == "7_years_or_more"
    assert reply.data["application"]["savings"] == "1000_or_more"
    assert 0 < assessment["probability_of_default"] < 1
    assert assessment["band"] in ("approve", "refer", "decline")
    for reason in assessment["reasons"]:
        assert reason["text"] in reply.text
    state = chat.state
    assert state.active_form is None and state.slots == {}  # nothing left behind


def test_several_slots_in_one_message_and_buttons_for_choices(chat: Conversation) -> None:
    chat.say("I need a loan", "loan_enquiry", 0.9)
    reply = chat.say("I'd like 12k over 4 years for my kitchen renovation")
    assert chat.state.slots == {"amount": 12000, "duration_months": 48, "purpose": "repairs"}
    assert "How old are you" in reply.text
    chat.say("I'm 29")
    chat.say("unemployed")
    reply = chat.say("no idea")  # no housing in it: asked again, with buttons
    assert reply.action == "form_invalid"
    assert [b.title for b in reply.buttons] == ["I own my home", "I rent", "I live rent-free"]
    assert chat.state.slots["employment_years"] == -1


def test_correction_of_an_earlier_slot(chat: Conversation) -> None:
    chat.say("can I borrow money", "loan_enquiry", 0.9)
    chat.say("5000")
    reply = chat.say("sorry, I meant 7500 euros")
    assert chat.state.slots["amount"] == 7500
    assert "amount €7,500" in reply.text and reply.action == "form_ask"
    assert chat.state.requested_slot == "duration_months"


@pytest.mark.parametrize(("answer", "message"), [
    ("-500 euros", "won't work here"),
    ("10 million euros", "between €1,000 and €50,000"),
    ("£5000", "Please give the amount in EUR"),
])
def test_bad_amounts_are_explained_and_asked_again(chat: Conversation, answer: str,
                                                   message: str) -> None:
    chat.say("loan please", "loan_enquiry", 0.9)
    reply = chat.say(answer)
    assert reply.action == "form_invalid"
    assert message in reply.text and "How much would you like to borrow" in reply.text
    assert "amount" not in chat.state.slots


def test_duration_abc_is_asked_again_and_three_misses_end_the_form(chat: Conversation) -> None:
    chat.say("loan please", "loan_enquiry", 0.9)
    chat.say("5000")
    first = chat.say("abc")
    assert first.action == "form_invalid" and "repay" in first.text
    chat.say("blah")
    last = chat.say("qwerty")
    assert last.action == "form_cancel" and "/human_handoff" in [b.payload for b in last.buttons]
    assert chat.state.active_form is None and chat.state.slots == {}


def test_cancel_and_restart_leave_the_form(chat: Conversation) -> None:
    chat.say("loan please", "loan_enquiry", 0.9)
    reply = chat.say("never mind")
    assert reply.action == "form_cancel" and chat.state.active_form is None
    chat.say("loan please", "loan_enquiry", 0.9)
    reply = chat.say("start over", "restart", 0.95)
    assert reply.action == "restart" and chat.state.active_form is None


def test_topic_switch_answers_then_comes_back(chat: Conversation) -> None:
    chat.say("loan please", "loan_enquiry", 0.9)
    reply = chat.say("how do I freeze my card?", "lost_or_stolen_card", 0.95)
    assert reply.action == "answer_intent" and reply.form == "loan_application"
    assert reply.text.endswith("How much would you like to borrow, in euros?")
    reply = chat.say("5k")
    assert reply.action == "form_ask" and chat.state.slots == {"amount": 5000}


def test_form_starts_from_a_button_payload(chat: Conversation) -> None:
    reply = chat.say("/form:portfolio_advice")
    assert reply.action == "form_ask" and reply.form == "portfolio_advice"


class SlowCreditModel:
    def assess(self, application: LoanApplication) -> CreditAssessment:
        time.sleep(3)
        raise AssertionError("should have timed out")


class BrokenCreditModel:
    def assess(self, application: LoanApplication) -> CreditAssessment:
        raise RuntimeError("scoring service exploded")


@pytest.mark.parametrize("model", ["SlowCreditModel", "BrokenCreditModel"])
def test_a_failing_tool_gives_a_clear_message_and_frees_the_session(
    tmp_path, default_kb, model: str
) -> None:
    settings = Settings(data_dir=tmp_path, credit_risk_model=f"tests.dialogue.test_forms:{model}",
                        tool_timeout_seconds=0.5)
    chat = Conversation(settings, default_kb)
    chat.say("loan please", "loan_enquiry", 0.9)
    started = time.perf_counter()
    for answer in LOAN_ANSWERS:
        reply = chat.say(answer)
    assert time.perf_counter() - started < 2.5
    assert reply.action == "tool_error" and "couldn't complete" in reply.text
    assert chat.state.active_form is None
    assert chat.say("hi", "greet", 0.99).action == "answer_intent"
