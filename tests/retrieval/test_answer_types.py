"""What a question asks for and what a sentence states (`bot.retrieval.answer_types`)."""

import pytest

from bot.retrieval.answer_types import AnswerType, stated, wanted

AMOUNT, PERCENT = AnswerType.AMOUNT, AnswerType.PERCENT
CLOCK, DURATION, CONTACT = AnswerType.CLOCK_TIME, AnswerType.DURATION, AnswerType.CONTACT


@pytest.mark.parametrize(("question", "kinds"), [
    ("lost my card how much is a new one", {AMOUNT, PERCENT}),
    ("is there a charge for paper statements?", {AMOUNT, PERCENT}),
    ("what do you charge for a transfer to Japan", {AMOUNT, PERCENT}),
    ("what's the overdraft interest rate", {PERCENT}),
    ("until what time can I call you on Saturday?", {CLOCK}),  # not a phone number
    ("are you open on saturday mornings", {CLOCK}),
    ("can I close my account on Friday?", set()),  # closing an account, not opening hours
    ("how long does a transfer to the US take", {DURATION}),
    ("what is the number to call if my card is stolen", {CONTACT}),
    # a charge on the account is a payment, not a question about fees
    ("there's a charge from a website I've never heard of on my account", set()),
    ("can I buy bitcoin in the app", set()),
    ("¿cuánto cuesta una tarjeta nueva?", set()),  # cues are English: no type, no change
])
def test_the_kind_of_fact_a_question_asks_for(question: str, kinds: set[AnswerType]) -> None:
    assert wanted(question) == kinds


@pytest.mark.parametrize(("sentence", "kinds"), [
    ("Replacement debit card (lost or damaged): EUR 8.00", {AMOUNT}),
    ("Card payment in a non-euro currency: 2.25% of the amount", {PERCENT}),
    ("It is open Monday to Friday from 08:30 to 18:30", {CLOCK}),
    ("Your new card arrives within 5 to 7 working days.", {DURATION}),
    ("You have a 14-day cooling-off period.", {DURATION}),
    ("Call our Cards and Fraud line on +353 21 490 3399.", {CONTACT}),
    ("Forward it to phishing@brightwater.example and then delete it.", {CONTACT}),
    ("International transfer in US dollars: EUR 9.75 per transfer", {AMOUNT}),  # not 9:75
    ("The Everyday and Student Current Accounts do not earn interest.", set()),
])
def test_the_kinds_of_fact_a_sentence_states(sentence: str, kinds: set[AnswerType]) -> None:
    assert stated(sentence) == kinds
