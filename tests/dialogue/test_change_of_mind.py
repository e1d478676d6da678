"""Leaving a form for what the customer now wants, questions of their own inside a form,
and requests inside long stories, on readings given directly: the rules must not depend on
what a particular trained model makes of the words. The customer's words are our own."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.dialogue.parts import PARTS
from bot.dialogue.policy import Understanding
from bot.nlu.segments import candidate_parts
from bot.nlu.types import IntentPrediction, IntentScore
from bot.payloads import faq_payload
from tests.dialogue.test_form_answers import LOAN_START, PORTFOLIO_START, Chat


def reading(*ranking: tuple[str, float], out_of_scope: bool = False) -> Understanding:
    return Understanding(
        IntentPrediction([IntentScore(n, c) for n, c in ranking], out_of_scope=out_of_scope), [])


OFF_TOPIC = reading(("small_talk", 0.2), out_of_scope=True)


def reads(readings: dict[str, Understanding]) -> Callable[[list[str]], list[Understanding]]:
    """The model for the manager's second readings: the given texts, anything else off
    topic."""
    return lambda texts: [readings.get(t, OFF_TOPIC) for t in texts]


@pytest.fixture
def chat(tmp_path, default_kb, encoder) -> Chat:
    from bot.config import Settings
    from training.prepare import prepare_credit_risk_model

    settings = Settings(data_dir=tmp_path, device="cpu")
    prepare_credit_risk_model(settings)
    return Chat(settings, default_kb, encoder)


def test_wanting_something_else_leaves_the_form_for_it(chat: Chat) -> None:
    """The words that turn the loan down pull the whole reading towards it; read without
    them the message plainly asks about mortgages."""
    chat.say(*LOAN_START)
    assert chat.state.active_form == "loan_application"
    message = ("Hmm, actually what my wife and I really need is a mortgage, not a personal "
               "loan. Do you do those?")
    chat.manager.understand = reads({
        "Hmm, actually what my wife and I really need is a mortgage. Do you do those?":
            reading(("mortgage_enquiry", 0.93), ("loan_enquiry", 0.03)),
        "Do you do those?": reading(("affirm", 0.4)),
    })
    reply = chat.manager.respond("s1", message, reading(("loan_enquiry", 0.57),
                                                        ("mortgage_enquiry", 0.27)))
    assert reply.text.startswith("OK, I've stopped the personal loan check.\n\n")
    assert reply.response_id == "faq:mortgage-enquiry", (reply.action, reply.text)
    assert reply.form is None and chat.state.active_form is None


def test_a_correction_that_says_actually_stays_in_the_form(chat: Chat) -> None:
    chat.say(*LOAN_START)
    chat.manager.understand = reads({})
    reply = chat.say("actually it's for a used car instead", "loan_enquiry", 0.7)
    assert chat.state.active_form == "loan_application", reply.text
    assert chat.state.slots["purpose"] == "used_car"


def test_a_change_of_mind_read_unsurely_keeps_the_form(chat: Chat) -> None:
    chat.say(*LOAN_START)
    message = "actually hang on, what do you need from me for this?"
    chat.manager.understand = reads({message: reading(("verify_my_identity", 0.35),
                                                      ("loan_enquiry", 0.3))})
    reply = chat.manager.respond("s1", message, reading(("verify_my_identity", 0.35),
                                                        ("loan_enquiry", 0.3)))
    assert chat.state.active_form == "loan_application", reply.text
    assert not reply.text.startswith("OK, I've stopped")


def test_leaving_with_words_between_answers_what_follows(chat: Chat) -> None:
    """"forget the stupid loan, ...": the words left of the leaving clause are no request."""
    chat.say(*LOAN_START)
    chat.manager.understand = reads({
        "my card got stuck in the cash machine, what now?": reading(("card_swallowed", 0.96)),
    })
    reply = chat.say("forget the stupid loan, my card got stuck in the cash machine, what now?",
                     "loan_enquiry", 0.6)
    assert reply.text.startswith("OK, I've stopped the personal loan check.\n\n")
    assert reply.intent is not None and reply.intent.name == "card_swallowed", reply.text
    assert chat.state.active_form is None


def test_a_question_of_its_own_in_a_form_gets_suggestions_not_sorry(chat: Chat) -> None:
    """Read as the form's own subject and matching an FAQ entry only loosely, a question is
    still no answer to "what would you do?": the questions it may mean, then the form's."""
    chat.say(*PORTFOLIO_START)
    for answer in ["41", "15 years", "steady growth"]:
        chat.say(answer)
    assert chat.state.requested_slot == "reaction_to_drop"
    chat.manager.understand = reads({})
    reply = chat.say("Sorry, unrelated, but what would I pay each year to keep my money "
                     "invested with you?", "portfolio_recommendation", 0.88,
                     faq=("invest-fees", 0.5))
    assert reply.action == "clarify", reply.text
    assert faq_payload("invest-fees") in [b.payload for b in reply.buttons]
    assert reply.text.endswith("If your investments fell 20% in a year, what would you do?")
    assert chat.state.active_form == "portfolio_advice"


def test_the_request_in_a_clause_of_one_long_sentence_is_answered(chat: Chat) -> None:
    message = ("Good morning. Having sold my late mother's flat, I have some money put by and "
               "would welcome a suggestion as to how it might be invested.")
    clauses = candidate_parts(message)
    assert len(clauses) == 2
    chat.manager.understand = reads({clauses[1]: reading(("portfolio_recommendation", 0.97))})
    reply = chat.manager.respond("s1", message, OFF_TOPIC)
    assert reply.form == "portfolio_advice" and reply.action == "form_ask", reply.text


def test_a_request_for_a_person_in_a_part_is_heard_though_read_off_topic(chat: Chat) -> None:
    """"I want to talk to a real person" asks for one in so many words: a part read off
    topic with the handoff first is a handoff, as the whole message would be."""
    message = ("The payment to my landlord never arrived and honestly I want to talk to a real "
               "person about it")
    chat.manager.understand = reads({
        "The payment to my landlord never arrived":
            reading(("transfer_not_received_by_recipient", 0.98)),
        "I want to talk to a real person about it":
            reading(("human_handoff", 0.23), ("loan_enquiry", 0.05), out_of_scope=True),
    })
    reply = chat.manager.respond("s1", message,
                                 reading(("transfer_not_received_by_recipient", 0.9)))
    actions = [part["action"] for part in reply.data[PARTS]]
    assert "handoff" in actions and "answer_intent" in actions, reply.data[PARTS]


def test_asking_for_someone_after_a_misunderstanding_hands_over(chat: Chat) -> None:
    """After a story the bot could not place, "Could I speak to someone about it please?"
    asks for a person in so many words: a handoff, not "I'm having trouble understanding",
    though the model does not rank the handoff at all."""
    chat.manager.understand = reads({})
    first = chat.manager.respond("s1", "My mum passed away in the spring and nobody has told "
                                       "me what becomes of her savings", OFF_TOPIC)
    assert first.action in ("fallback", "out_of_scope")
    reply = chat.manager.respond("s1", "Could I speak to someone about it please?",
                                 reading(("cash_withdrawal_not_recognised", 0.21),
                                         ("lost_or_stolen_card", 0.17)))
    assert reply.action == "handoff", reply.text


def test_a_closing_question_that_points_back_is_read_with_the_sentence_before(
        chat: Chat) -> None:
    story = ("The shop I worked at shut down in June. I got a payout and found a new job "
             "since. I'd rather the payout earned something than sat in my current account. "
             "How would you split it?")
    sentences = ["The shop I worked at shut down in June.",
                 "I got a payout and found a new job since.",
                 "I'd rather the payout earned something than sat in my current account.",
                 "How would you split it?"]
    chat.manager.understand = reads({
        f"{sentences[2]} {sentences[3]}": reading(("portfolio_recommendation", 0.8),
                                                  ("terminate_account", 0.05)),
        sentences[3]: reading(("portfolio_recommendation", 0.5), ("exchange_rate", 0.1),
                              out_of_scope=True),
    })
    reply = chat.manager.respond("s1", story, OFF_TOPIC)
    assert reply.form == "portfolio_advice" and reply.action == "form_ask", reply.text


def test_a_person_asked_for_inside_a_form_is_a_handoff(chat: Chat) -> None:
    chat.say(*LOAN_START)
    chat.manager.understand = reads({})
    reply = chat.say("can i talk to an actual human about this pls", "loan_enquiry", 0.2)
    assert reply.action == "handoff", reply.text
    assert chat.state.active_form is None


def test_a_question_after_an_aside_inside_a_form_is_a_question(chat: Chat) -> None:
    chat.say(*PORTFOLIO_START)
    chat.say("52")
    assert chat.state.requested_slot == "horizon_years"
    chat.manager.understand = reads({})
    reply = chat.say("honestly what would i pay per year for the investing thing",
                     "portfolio_recommendation", 0.8, faq=("invest-fees", 0.62))
    assert reply.response_id == "faq:invest-fees", (reply.action, reply.text)
    assert chat.state.active_form == "portfolio_advice"


def test_a_second_purpose_read_loosely_as_a_side_question_is_the_catch_all(chat: Chat) -> None:
    """"yeah a party for my daughter" is near the age limit entry, but it is no question: on
    the second try it is the loan's purpose ('something else'), not an answer about ages. (The
    first try names a number, so it is not taken as the catch-all at once.)"""
    chat.say(*LOAN_START)
    chat.manager.understand = reads({})
    first = chat.say("its for my 2 daughters communion party")
    assert "purpose" not in chat.state.slots, first.text
    reply = chat.say("yeah a party for my daughter", "age_limit", 0.6)
    assert chat.state.slots.get("purpose") == "other", reply.text
    assert reply.action == "form_ask"


def test_cancel_that_in_the_middle_of_a_sentence_stops_the_form_and_the_reason_is_no_request(
        chat: Chat) -> None:
    chat.say(*LOAN_START)
    chat.manager.understand = reads({
        "you know what I don't really want to get into debt for a holiday":
            reading(("cancel_transfer", 0.7)),
    })
    reply = chat.say("you know what cancel that I don't really want to get into debt for a "
                     "holiday", "cancel_transfer", 0.7)
    assert reply.action == "form_cancel", (reply.action, reply.text)
    assert chat.state.active_form is None


def test_the_reason_for_cancelling_never_starts_the_form_again(chat: Chat) -> None:
    """"my father will lend me the money" reads as a loan request; after "cancel" it is
    the reason, and the loan check stays stopped."""
    chat.say(*LOAN_START)
    chat.manager.understand = reads({
        "my father will lend me the money.": reading(("loan_enquiry", 0.9)),
        "my father will lend me the money": reading(("loan_enquiry", 0.9)),
    })
    reply = chat.say("Please cancel, my father will lend me the money.", "loan_enquiry", 0.8)
    assert reply.action == "form_cancel", (reply.action, reply.text)
    assert chat.state.active_form is None


def test_a_worry_that_says_dont_want_it_is_no_way_out(chat: Chat) -> None:
    """"dont want it showing on my file" says what the customer fears about the credit
    search; the loan check goes on after the answer."""
    chat.say(*LOAN_START)
    question = "is this a hard search or a soft one? dont want it showing on my file"
    chat.manager.understand = reads({question: reading(("credit_score", 0.9))})
    reply = chat.say(question, "credit_score", 0.9)
    assert not reply.text.startswith("OK, I've stopped"), reply.text
    assert chat.state.active_form == "loan_application"


def test_a_change_of_mind_to_another_forms_task_starts_that_form(chat: Chat) -> None:
    """"I don't need borrow" pulls the reading to the loan; without it the message asks for
    advice on investing, and its closing "You can advise me?" alone only asks for the menu."""
    chat.say(*LOAN_START)
    message = ("Sorry, I think again. I don't need borrow, better I invest my savings. You can "
               "advise me?")
    chat.manager.understand = reads({
        "Sorry, I think again.  better I invest my savings. You can advise me?":
            reading(("portfolio_recommendation", 0.74), ("investment_advice", 0.17)),
        "You can advise me?": reading(("help", 0.93)),
    })
    reply = chat.manager.respond("s1", message, reading(("loan_enquiry", 0.85)))
    assert reply.text.startswith("OK, I've stopped the personal loan check.\n\n"), reply.text
    assert chat.state.active_form == "portfolio_advice"


def test_closing_words_read_as_the_menu_do_not_hide_the_subject_before_them(
        chat: Chat) -> None:
    """"..., where do i even start" reads as "what can you do?"; the message is about
    investing, which the whole reading is unsure between two answers of: it asks which."""
    message = "lowkey wanna start investing, got 2k saved from my summer job, where do i even start"
    chat.manager.understand = reads({
        "lowkey wanna start investing, got 2k saved from my summer job":
            reading(("investment_advice", 0.35), ("savings_account", 0.3)),
        "where do i even start": reading(("help", 0.9)),
    })
    reply = chat.manager.respond("s1", message, reading(("investment_advice", 0.5),
                                                        ("portfolio_recommendation", 0.38)))
    assert reply.action == "clarify", (reply.action, reply.text)
    assert reply.response_id != "utter_help"
