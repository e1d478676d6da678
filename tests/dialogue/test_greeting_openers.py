"""A greeting in front of a request never hides it, with the real fine-tuned default model:
the loan check starts, or (when the model hesitates between two loan intents) the customer is
asked which, with the loan check one press away. The openers are our own words, not the KB's
examples."""

from __future__ import annotations

import pytest

from bot.payloads import intent_payload
from bot.pipeline import Assistant

LOAN_OPENERS = [
    "hi there! I'd like to borrow some money for a car",
    "Hello, could I get a personal loan?",
    "good morning, thinking about taking out a loan of 5k",
    "hey, how do I apply for a loan with you",
    "Hi! Can you check whether I'd get a loan?",
]


@pytest.mark.parametrize("opener", LOAN_OPENERS)
def test_a_greeting_in_front_of_a_loan_request_never_hides_it(
    default_assistant: Assistant, opener: str
) -> None:
    reply = default_assistant.handle(opener)
    explained = (reply.action, reply.text[:80], reply.intent_ranking[:3])
    if reply.form is None:
        # a clarifying question, or a loan answer that offers the check: one press away
        assert reply.action in ("clarify", "answer_intent", "answer_faq"), explained
        assert intent_payload("loan_enquiry") in [b.payload for b in reply.buttons], explained
        follow = default_assistant.handle(intent_payload("loan_enquiry"), reply.session_id)
        assert follow.form == "loan_application", explained


def test_most_greeting_openers_start_the_loan_check_at_once(
    default_assistant: Assistant
) -> None:
    started = [o for o in LOAN_OPENERS if default_assistant.handle(o).form == "loan_application"]
    assert len(started) >= 4, started
