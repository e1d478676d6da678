"""Whole turns of a conversation on the default KB with its trained model: offers answered by
yes / no, messages of several parts, follow-ups read in context, small talk, questions
outside banking, and what the stored history keeps. The customer's words are our own."""

from __future__ import annotations

import pytest

from bot.dialogue.offers import OFFER, OFFER_ACCEPTED, OFFER_DECLINED
from bot.dialogue.parts import PARTS
from bot.payloads import faq_payload, intent_payload
from bot.pipeline import Assistant

LOAN_RATE = faq_payload("loan-interest-rate")  # an answer that offers the loan check


def test_a_yes_accepts_the_offer_the_answer_made(default_assistant: Assistant) -> None:
    answer = default_assistant.handle(LOAN_RATE)
    assert answer.data[OFFER]["payload"] == intent_payload("loan_enquiry")
    assert [b.payload for b in answer.buttons][-2:] == [intent_payload("loan_enquiry"), "no"]
    accepted = default_assistant.handle("yeah go on then", answer.session_id)
    assert accepted.form == "loan_application"
    assert accepted.data[OFFER_ACCEPTED]["payload"] == intent_payload("loan_enquiry")


def test_a_no_declines_and_a_later_yes_does_not_loop(default_assistant: Assistant) -> None:
    answer = default_assistant.handle(LOAN_RATE)
    declined = default_assistant.handle("nah", answer.session_id)
    assert declined.response_id == "utter_offer_declined"
    assert declined.data[OFFER_DECLINED]["payload"] == intent_payload("loan_enquiry")
    assert declined.form is None
    then_yes = default_assistant.handle("yes", answer.session_id)
    assert then_yes.response_id == "utter_affirm"  # "what would you like help with?"
    again = default_assistant.handle("yes", answer.session_id)
    assert again.response_id == "utter_affirm" and again.form is None


def test_an_offer_lapses_when_the_customer_moves_on(default_assistant: Assistant) -> None:
    answer = default_assistant.handle(LOAN_RATE)
    default_assistant.handle(faq_payload("change-pin"), answer.session_id)
    later = default_assistant.handle("yes please", answer.session_id)
    assert later.form is None and OFFER_ACCEPTED not in later.data


def test_the_offer_button_starts_the_form(default_assistant: Assistant) -> None:
    answer = default_assistant.handle(faq_payload("investment-advice"))
    assert answer.data[OFFER]["payload"] == intent_payload("portfolio_recommendation")
    started = default_assistant.handle(answer.buttons[-2].payload, answer.session_id)
    assert started.form == "portfolio_advice"


def test_two_questions_in_one_message_are_both_answered(default_assistant: Assistant) -> None:
    # Wording the KB covers plainly: this tests the split, not how far the model
    # generalises (benchmarks/dialogues.py measures that).
    reply = default_assistant.handle(
        "hi! my new card hasn't arrived yet. Also, what are your opening hours?")
    parts = reply.data[PARTS]
    assert len(parts) == 2, (reply.text, parts)
    assert [p["response_id"] for p in parts] == ["faq:card-arrival", "faq:opening-hours"], parts
    assert reply.text.count("\n\n") >= 1


def test_a_question_and_a_loan_answer_first_then_start_the_form(
    default_assistant: Assistant
) -> None:
    reply = default_assistant.handle(
        "I lost my debit card yesterday, and I'd also like to borrow money for a car")
    assert reply.form == "loan_application", (reply.text, reply.data.get(PARTS))
    assert [p["action"] for p in reply.data[PARTS]][-1] == "form_ask"
    assert "card" in reply.text.split("\n\n")[0].lower()


def test_two_forms_in_one_message_ask_which_first(default_assistant: Assistant) -> None:
    reply = default_assistant.handle(
        "I need a loan for a new car. Also I'd like you to recommend an investment mix for "
        "someone my age")
    assert reply.action == "clarify", (reply.text, reply.data.get(PARTS))
    assert {b.payload for b in reply.buttons} == {intent_payload("loan_enquiry"),
                                                  intent_payload("portfolio_recommendation")}


def test_a_greeting_is_acknowledged_and_the_request_answered(
    default_assistant: Assistant
) -> None:
    reply = default_assistant.handle("good evening! my card payment was declined at a shop")
    assert reply.action == "answer_faq" or reply.action == "answer_intent"
    assert reply.intent is not None and reply.intent.name != "greet"
    assert reply.text.startswith(("Hello!", "Hi there!"))


def test_a_follow_up_is_read_with_the_last_question(default_assistant: Assistant) -> None:
    first = default_assistant.handle(
        "How long does it take for a transfer to reach the other account?")
    follow = default_assistant.handle("and what about to Germany?", first.session_id)
    assert follow.data["context"]["topic"] in (first.intent.name if first.intent else None,
                                               first.response_id)
    assert follow.action in ("answer_faq", "answer_intent")
    assert follow.response_id == first.response_id


def test_small_talk_is_answered_and_steered_back(default_assistant: Assistant) -> None:
    reply = default_assistant.handle("hey, how are you doing today?")
    assert reply.intent is not None and reply.intent.name == "small_talk", reply.intent_ranking
    assert "help" in reply.text.lower()


def test_questions_outside_banking_stay_polite_refusals(default_assistant: Assistant) -> None:
    session = None
    for question in ["who painted the mona lisa", "what's a good recipe for lasagne",
                     "how far away is the moon", "recommend me a film for tonight"]:
        reply = default_assistant.handle(question, session)
        session = reply.session_id
        assert reply.action == "out_of_scope", (question, reply.action, reply.text)
    assert intent_payload("human_handoff") in [b.payload for b in reply.buttons]


def test_a_sure_request_for_a_person_is_never_refused_as_off_topic(
    default_assistant: Assistant
) -> None:
    reply = default_assistant.handle("I want to speak to a manager right now")
    assert reply.action == "handoff", (reply.action, reply.intent_ranking[:2])


def test_a_message_that_answers_the_loan_questions_starts_the_loan_check(
    default_assistant: Assistant
) -> None:
    reply = default_assistant.handle("I want 5000 over 3 years for a car")
    assert reply.form == "loan_application", (reply.action, reply.intent_ranking[:2])


def test_leaving_a_form_for_another_question_answers_it(default_assistant: Assistant) -> None:
    started = default_assistant.handle(intent_payload("loan_enquiry"))
    default_assistant.handle("6000", started.session_id)
    reply = default_assistant.handle("never mind the loan, where can I find my IBAN?",
                                     started.session_id)
    assert reply.text.startswith("OK, I've stopped the personal loan check.")
    assert reply.response_id == "faq:find-my-iban", (reply.action, reply.text)
    assert reply.form is None


def test_asking_for_the_other_form_mid_form_switches_to_it(default_assistant: Assistant) -> None:
    started = default_assistant.handle(intent_payload("loan_enquiry"))
    default_assistant.handle("6000", started.session_id)
    reply = default_assistant.handle(intent_payload("portfolio_recommendation"),
                                     started.session_id)
    assert reply.form == "portfolio_advice" and reply.action == "form_ask"


def test_stored_replies_keep_the_banks_own_phone_number(default_assistant: Assistant) -> None:
    reply = default_assistant.handle(
        "can I talk to a human please? btw my number is +353 87 765 4321")
    assert reply.action == "handoff"
    turn = default_assistant.store.turns(reply.session_id)[-1]
    assert "+353 87 765 4321" not in turn.user_text and "[PHONE]" in turn.user_text
    assert "+353 1 555 0100" in turn.bot_text


@pytest.mark.parametrize("answer", ["a new kitchen", "thanks, 32", "start with the kitchen"])
def test_form_answers_are_never_taken_for_a_restart(default_assistant: Assistant,
                                                    answer: str) -> None:
    started = default_assistant.handle(intent_payload("loan_enquiry"))
    default_assistant.handle("6000", started.session_id)
    default_assistant.handle("2 years", started.session_id)
    reply = default_assistant.handle(answer, started.session_id)
    assert reply.form == "loan_application", (answer, reply.action, reply.text)


def test_an_unclear_side_question_in_a_form_is_read_with_the_forms_subject(
    default_assistant: Assistant
) -> None:
    started = default_assistant.handle(intent_payload("loan_enquiry"))
    default_assistant.handle("7k over 3 years for a used car", started.session_id)
    side = default_assistant.handle("hang on, what's the APR?", started.session_id)
    assert side.response_id == "faq:loan-interest-rate", (side.action, side.text)
    assert side.form == "loan_application" and OFFER not in side.data  # no offer of itself
    assert side.text.endswith("How old are you?")


def test_several_details_at_once_reach_a_decision_in_few_turns(
    default_assistant: Assistant
) -> None:
    first = default_assistant.handle("hi, I want to borrow 8000 over 4 years to do up my kitchen")
    assert first.form == "loan_application"
    last = default_assistant.handle(
        "41, employed for 10 years, I own my place, got about 3k in savings", first.session_id)
    assert last.action == "tool_result", last.text


def test_a_question_inside_a_form_is_answered_not_taken_as_an_answer(
    default_assistant: Assistant
) -> None:
    started = default_assistant.handle(intent_payload("loan_enquiry"))
    for answer in ["3500", "2 years", "home improvements", "44"]:
        default_assistant.handle(answer, started.session_id)
    side = default_assistant.handle("what happens if I miss one of the monthly payments?",
                                    started.session_id)
    assert side.response_id == "faq:loan-missed-repayment", (side.action, side.text)
    assert side.form == "loan_application"
    assert "employer" in side.text.split("\n\n")[-1]  # the same question again
    state = default_assistant.store.load(started.session_id)
    assert state is not None and "employment_years" not in state.slots


def test_a_question_and_a_request_for_a_person_get_both(default_assistant: Assistant) -> None:
    reply = default_assistant.handle(
        "My transfer to my sister never arrived and honestly I'd like to speak to someone")
    assert reply.action == "handoff", (reply.text, reply.data.get(PARTS))
    assert len(reply.data[PARTS]) == 2 and reply.data[PARTS][0]["action"] != "handoff"


def test_a_forms_intent_outside_its_form_counts_as_not_understood(
    default_assistant: Assistant
) -> None:
    """Rendered without its form (no response, no FAQ entry), an intent is a fallback: the
    turn counts towards offering a person and opens no topic."""
    from bot.dialogue.policy import Decision
    from bot.dialogue.state import SessionState
    from bot.nlu.types import IntentScore

    manager = default_assistant.components.dialogue
    state = SessionState("s")
    decision = Decision("answer_intent", intent=IntentScore("portfolio_recommendation", 0.9))
    reply = manager._reply("s", decision, default_assistant.understand("x"), state, "x")
    assert reply.action == "fallback"
    assert state.fallback_count == 1 and state.topic_target is None


@pytest.mark.parametrize(("courtesy", "ack"), [("ok", "Great."), ("thanks", "You're welcome.")])
def test_a_courtesy_inside_a_form_gets_the_question_again(default_assistant: Assistant,
                                                           courtesy: str, ack: str) -> None:
    started = default_assistant.handle(intent_payload("portfolio_recommendation"))
    reply = default_assistant.handle(courtesy, started.session_id)
    assert reply.action == "form_ask" and reply.form == "portfolio_advice", reply.text
    assert reply.text == f"{ack} How old are you?"  # no "What can I do for you?", no "Sorry"
    state = default_assistant.store.load(started.session_id)
    assert state is not None and state.form_attempts == 0 and state.slots == {}


def test_a_side_question_fills_no_slot_it_names_by_chance(default_assistant: Assistant) -> None:
    """'phone' is a synonym of the electronics purpose; the question asks for the bank's
    number while the repayment period is asked."""
    started = default_assistant.handle(intent_payload("loan_enquiry"))
    default_assistant.handle("2500", started.session_id)
    side = default_assistant.handle("btw whats your phone number", started.session_id)
    assert side.response_id == "faq:contact-details", (side.action, side.text)
    assert side.text.endswith('For example "3 years" or "18 months".')
    state = default_assistant.store.load(started.session_id)
    assert state is not None and "purpose" not in state.slots


def test_an_unsure_question_inside_a_form_suggests_questions_then_asks_again(
    default_assistant: Assistant
) -> None:
    started = default_assistant.handle(intent_payload("portfolio_recommendation"))
    unsure = default_assistant.handle("what's the least I can start with?", started.session_id)
    assert unsure.action == "clarify" and unsure.form == "portfolio_advice", unsure.text
    assert faq_payload("invest-minimum") in [b.payload for b in unsure.buttons]
    assert unsure.text.endswith("How old are you?")
    picked = default_assistant.handle(faq_payload("invest-minimum"), started.session_id)
    assert picked.response_id == "faq:invest-minimum"
    assert picked.form == "portfolio_advice" and picked.text.endswith("How old are you?")


def test_a_second_question_joined_by_and_is_answered_too(default_assistant: Assistant) -> None:
    reply = default_assistant.handle("whats the monthly fee and where do i see my iban")
    answered = [part["response_id"] for part in reply.data.get(PARTS, [])]
    assert answered == ["faq:account-fees", "faq:find-my-iban"], (reply.text, answered)


def test_two_parts_that_reach_the_same_answer_get_it_once(default_assistant: Assistant) -> None:
    """A part read as an intent and another read as the FAQ entry that intent answers with
    ("Someone has my card and is spending on it RIGHT NOW..." whole, and "Someone has my
    card" alone) say one thing: it is not repeated."""
    from bot.dialogue.parts import MessagePart
    from bot.dialogue.policy import Decision
    from bot.dialogue.state import SessionState
    from bot.nlu.types import IntentScore
    from bot.retrieval.faq_index import FaqHit

    dialogue = default_assistant.components.dialogue
    kb = default_assistant.kb
    entry = kb.faq_by_intent["card_arrival"]
    understood = default_assistant.understand("my card still hasn't come")
    by_intent = MessagePart("my card still hasn't come", understood,
                            Decision("answer_intent", intent=IntentScore("card_arrival", 0.9)))
    by_faq = MessagePart("card not here", understood,
                         Decision("answer_faq", faq=FaqHit(entry, 0.8, entry.questions[0])))
    state = SessionState("s-same-answer")
    reply = dialogue._several("s-same-answer", [by_intent, by_faq], understood, state)
    assert reply.text.count(entry.answer.strip()[:60]) == 1, reply.text
    assert [p["response_id"] for p in reply.data[PARTS]] == [f"faq:{entry.id}"] * 2


def test_a_narrower_entry_in_the_intents_topic_answers(default_assistant: Assistant) -> None:
    """BANKING77 files "where is my PIN?" under get_physical_card, whose answer is about
    ordering a plastic card; the intent-less entry on seeing the PIN (whose own questions
    the model reads as that intent) answers instead (bot.dialogue.refinements)."""
    policy = default_assistant.components.dialogue.policy
    assert policy.refinements is not None
    parent = policy.refinements.parent("view-card-pin")
    reply = default_assistant.handle("no idea what my pin is, where do I look?")  # 0.78
    assert reply.response_id == "faq:view-card-pin", (parent, reply.intent, reply.text)


def test_an_announced_second_request_read_unsurely_gets_suggestions(
        default_assistant: Assistant) -> None:
    """The first request is answered; the second, announced by "and also" but matching no
    entry surely on its own, gets "did you mean one of these?" with its closest entries."""
    reply = default_assistant.handle(
        "I need my IBAN for my new employer, and also the statement of the last 3 months "
        "for the rent contract.")
    parts = reply.data[PARTS]
    assert [p["action"] for p in parts] == [reply.action, "clarify"], parts
    assert parts[0]["response_id"] == "faq:find-my-iban", parts
    assert "/faq:account-statements" in [b.payload for b in reply.buttons], reply.buttons
