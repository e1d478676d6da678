"""Which parts of a message are requests (bot.dialogue.parts), on readings given directly:
the rules must not depend on what a particular trained model makes of the words."""

from __future__ import annotations

import pytest

from bot.dialogue.parts import MessagePart, second_reading, several_requests
from bot.dialogue.policy import Decision, Understanding
from bot.nlu.types import IntentPrediction, IntentScore


def reading(*ranking: tuple[str, float]) -> Understanding:
    return Understanding(IntentPrediction([IntentScore(n, c) for n, c in ranking]), [])


def part(text: str, understood: Understanding, action: str = "answer_intent") -> MessagePart:
    top = understood.prediction.ranking[0]
    return MessagePart(text, understood, Decision(action, intent=top))  # type: ignore[arg-type]


LOST = part("I lost my old card yesterday", reading(("lost_or_stolen_card", 0.95)))
UNSURE = part("the new one you promised me hasn't come either",
              reading(("transfer_not_received_by_recipient", 0.47), ("card_arrival", 0.32),
                      ("balance_not_updated_after_bank_transfer", 0.04)), action="clarify")
WHOLE = reading(("lost_or_stolen_card", 0.47), ("card_arrival", 0.46))


def test_the_whole_messages_other_reading_is_the_unsure_parts_request() -> None:
    requests = several_requests([LOST, UNSURE])
    assert [p.text for p in requests] == [LOST.text]
    other = second_reading(requests, [LOST, UNSURE], WHOLE, min_confidence=0.2)
    assert other is not None and other.text == UNSURE.text
    assert other.decision.action == "answer_intent"
    assert other.decision.intent == IntentScore("card_arrival", 0.32)


def test_no_second_reading_when_the_part_does_not_support_it() -> None:
    elsewhere = part("the new one you promised me hasn't come either",
                     reading(("transfer_not_received_by_recipient", 0.8),
                             ("failed_transfer", 0.1)), action="clarify")
    assert second_reading([LOST], [LOST, elsewhere], WHOLE, min_confidence=0.2) is None


def test_no_second_reading_when_the_whole_is_sure_of_one_thing() -> None:
    sure = reading(("lost_or_stolen_card", 0.9), ("card_arrival", 0.05))
    assert second_reading([LOST], [LOST, UNSURE], sure, min_confidence=0.2) is None


def test_what_can_i_do_is_no_request_beside_a_real_one() -> None:
    refund = part("I requested a refund, and never received it",
                  reading(("Refund_not_showing_up", 0.9)))
    menu = part("What can I do?", reading(("help", 0.8)))
    assert several_requests([refund, menu]) == [refund]
    assert several_requests([menu]) == [menu]  # alone, it asks what the bot can do


def test_a_one_word_request_gets_a_question_unless_the_model_is_sure(
        tmp_path, default_kb, encoder) -> None:
    """"card" names an area, not a request: the likely readings as buttons."""
    from bot.config import Settings
    from tests.dialogue.test_form_answers import Chat

    chat = Chat(Settings(data_dir=tmp_path, device="cpu"), default_kb, encoder)
    vague = reading(("order_physical_card", 0.59), ("lost_or_stolen_card", 0.25))
    reply = chat.manager.respond("s1", "card", vague)
    assert reply.action == "clarify"
    assert len(reply.buttons) == 2
    sure = reading(("order_physical_card", 0.95), ("lost_or_stolen_card", 0.03))
    assert chat.manager.respond("s2", "card", sure).action == "answer_intent"
    longer = chat.manager.respond("s3", "order a card", vague)
    assert longer.action == "answer_intent"
    tool = reading(("loan_enquiry", 0.6), ("mortgage_enquiry", 0.3))
    assert chat.manager.respond("s4", "loan", tool).form == "loan_application"


def test_a_part_read_as_the_whole_messages_other_request_starts_its_form(
        tmp_path, default_kb, encoder) -> None:
    """The whole message hesitates between the investment answer and the portfolio
    questionnaire; its first part is plainly the answer and its second, unsure alone ("what
    would ye suggest?" read out of scope), is the questionnaire: the answer, then the form,
    with no offer of that form in between and no out-of-scope reply."""
    from bot.config import Settings
    from tests.dialogue.test_form_answers import Chat

    chat = Chat(Settings(data_dir=tmp_path, device="cpu"), default_kb, encoder)
    first, second = "I've a bit put by and was thinking of investing it", "what would ye suggest?"
    readings = {
        first: reading(("investment_advice", 0.96), ("portfolio_recommendation", 0.03)),
        second: Understanding(IntentPrediction(
            [IntentScore("help", 0.4), IntentScore("portfolio_recommendation", 0.3)],
            out_of_scope=True), []),
    }
    chat.manager.understand = lambda texts: [readings[t] for t in texts]
    whole = reading(("investment_advice", 0.52), ("portfolio_recommendation", 0.47))
    reply = chat.manager.respond("s1", f"Howya, {first}, {second}", whole)
    assert reply.action == "form_ask" and reply.form == "portfolio_advice"
    hello = next(h for h in default_kb.responses["utter_ack_greet"].text
                 if reply.text.startswith(f"{h} "))  # "Howya" is answered
    assert reply.text[len(hello) + 1:].startswith(default_kb.faq["investment-advice"].answer)
    assert "Would you like me to suggest" not in reply.text and "outside" not in reply.text
    assert [p["intent"] for p in reply.data["parts"]] == ["investment_advice",
                                                          "portfolio_recommendation"]
    assert reply.intent is not None and reply.intent.name == "portfolio_recommendation"


def test_small_talk_read_for_the_whole_message_does_not_hide_the_request(
        tmp_path, default_kb, encoder) -> None:
    from bot.config import Settings
    from tests.dialogue.test_form_answers import Chat

    chat = Chat(Settings(data_dir=tmp_path, device="cpu"), default_kb, encoder)
    readings = {"r u a bot??": reading(("bot_challenge", 0.99)),
                "want 2 chat w a real person": reading(("human_handoff", 0.88))}
    chat.manager.understand = lambda texts: [readings[t] for t in texts]
    whole = reading(("bot_challenge", 0.8), ("human_handoff", 0.15))
    reply = chat.manager.respond("s1", "r u a bot?? want 2 chat w a real person", whole)
    assert reply.action == "handoff"


STORY = ("Bit of a nightmare week, the boiler's packed in and the engineer reckons a new one "
         "is going to be north of four grand.")


def out_of_scope() -> Understanding:
    return Understanding(IntentPrediction([IntentScore("small_talk", 0.3)], out_of_scope=True),
                         [])


@pytest.mark.parametrize(("request_reading", "action"), [
    (reading(("loan_enquiry", 0.99)), "form_ask"),  # plainly a request: the loan check
    (reading(("loan_enquiry", 0.6), ("mortgage_enquiry", 0.3)), "out_of_scope"),  # unsure
    # a question read less surely, with nothing else close: still plainly the request
    (reading(("loan_enquiry", 0.58), ("get_physical_card", 0.05)), "form_ask"),
])
def test_a_plain_request_in_a_story_read_out_of_scope_is_answered(
        tmp_path, default_kb, encoder, request_reading: Understanding, action: str) -> None:
    """Read whole, the story outweighs its last sentence and the message looks like nothing
    the bank answers; a sentence that is plainly a request on its own is what is asked."""
    from bot.config import Settings
    from tests.dialogue.test_form_answers import Chat

    chat = Chat(Settings(data_dir=tmp_path, device="cpu"), default_kb, encoder)
    ask = "Is that something you lot could lend me for?"
    readings = {ask: request_reading}  # the story's sentences and clauses: out of scope
    chat.manager.understand = lambda texts: [readings.get(t, out_of_scope()) for t in texts]
    reply = chat.manager.respond("s1", f"Morning! {STORY} {ask}", out_of_scope())
    assert reply.action == action
    if action == "form_ask":
        assert reply.form == "loan_application" and reply.text.startswith("Hello!")


def test_a_request_in_a_clause_of_one_long_sentence_of_story_is_answered(
        tmp_path, default_kb, encoder) -> None:
    """One long sentence, no question mark: the request is one of its clauses."""
    from bot.config import Settings
    from tests.dialogue.test_form_answers import Chat

    chat = Chat(Settings(data_dir=tmp_path, device="cpu"), default_kb, encoder)
    ask = "so what I'm asking is would you lend us something towards it"
    story = (f"a few slates came off in the storm and there's damp over the landing now, the "
             f"roofer quoted nearly eight grand, {ask}, the kids' room is the worst")
    readings = {ask: reading(("loan_enquiry", 0.9))}
    chat.manager.understand = lambda texts: [readings.get(t, out_of_scope()) for t in texts]
    reply = chat.manager.respond("s1", story, out_of_scope())
    assert reply.action == "form_ask" and reply.form == "loan_application"


def test_a_message_that_answers_the_loan_questions_is_no_request_for_the_help_menu(
        tmp_path, default_kb, encoder) -> None:
    """"can you help?" is the one part read as a request, but the whole message gives the
    loan's amount and term: the loan check starts with them, not the menu."""
    from bot.config import Settings
    from tests.dialogue.test_form_answers import Chat

    chat = Chat(Settings(data_dir=tmp_path, device="cpu"), default_kb, encoder)
    story = "Looking at a secondhand Golf, need 6k spread over three years"
    readings = {story: out_of_scope(), "blah blah blah": out_of_scope(),
                "can you help?": reading(("help", 0.99))}
    chat.manager.understand = lambda texts: [readings[t] for t in texts]
    whole = Understanding(IntentPrediction([IntentScore("loan_enquiry", 0.96)],
                                           out_of_scope=True), [])
    reply = chat.manager.respond("s1", f"{story}, can you help?", whole)
    assert reply.form == "loan_application"
    state = chat.store.load("s1")
    assert state is not None
    assert state.slots["amount"] == 6000 and state.slots["duration_months"] == 36
    menu = chat.manager.respond("s2", "blah blah blah, can you help?", out_of_scope())
    assert menu.response_id == "utter_help"


LOST_AND_WAITING = "I lost my old card yesterday and the new one you promised me hasn't come either"
WAITING = "the new one you promised me hasn't come either"


def test_a_second_request_hidden_in_a_clearly_read_message_is_answered_too(
        tmp_path, default_kb, encoder) -> None:
    """Read whole, the message is plainly card arrival (0.92); read in parts, its first
    clause is plainly a lost card, which the whole reading also sees (second, 0.05): both
    are answered, the lost card first."""
    from bot.config import Settings
    from tests.dialogue.test_form_answers import Chat

    chat = Chat(Settings(data_dir=tmp_path, device="cpu"), default_kb, encoder)
    readings = {"I lost my old card yesterday": reading(("lost_or_stolen_card", 0.98)),
                WAITING: reading(("card_arrival", 0.73), ("get_physical_card", 0.08))}
    chat.manager.understand = lambda texts: [readings[t] for t in texts]
    whole = reading(("card_arrival", 0.92), ("lost_or_stolen_card", 0.05))
    reply = chat.manager.respond("s1", LOST_AND_WAITING, whole)
    assert [p["intent"] for p in reply.data["parts"]] == ["lost_or_stolen_card", "card_arrival"]
    assert reply.text == (f"{default_kb.faq['lost-or-stolen-card'].answer}\n\n"
                          f"{default_kb.faq['card-arrival'].answer}")


@pytest.mark.parametrize(("first", "whole"), [
    # the whole message does not see a lost card at all: the clause read alone is noise
    (reading(("lost_or_stolen_card", 0.98)), reading(("card_arrival", 0.97))),
    # the clause is not read surely enough to be a request of its own
    (reading(("lost_or_stolen_card", 0.6), ("card_arrival", 0.3)),
     reading(("card_arrival", 0.92), ("lost_or_stolen_card", 0.05))),
])
def test_a_clearly_read_message_stays_one_request_without_a_sure_second_one(
        tmp_path, default_kb, encoder, first: Understanding, whole: Understanding) -> None:
    from bot.config import Settings
    from tests.dialogue.test_form_answers import Chat

    chat = Chat(Settings(data_dir=tmp_path, device="cpu"), default_kb, encoder)
    readings = {"I lost my old card yesterday": first,
                WAITING: reading(("card_arrival", 0.73), ("get_physical_card", 0.08))}
    chat.manager.understand = lambda texts: [readings[t] for t in texts]
    reply = chat.manager.respond("s1", LOST_AND_WAITING, whole)
    assert "parts" not in reply.data
    assert reply.text == default_kb.faq["card-arrival"].answer


@pytest.mark.parametrize("message", [
    f"Hi there, {LOST_AND_WAITING}",  # read whole as one request, two in parts
    "Hello! I lost my old card yesterday, also how do I activate the new card?",  # joined by "also"
])
def test_a_greeted_message_of_two_requests_is_greeted_once(
        tmp_path, default_kb, encoder, message: str) -> None:
    from bot.config import Settings
    from tests.dialogue.test_form_answers import Chat

    chat = Chat(Settings(data_dir=tmp_path, device="cpu"), default_kb, encoder)
    readings = {"I lost my old card yesterday": reading(("lost_or_stolen_card", 0.98)),
                WAITING: reading(("card_arrival", 0.73)),
                "how do I activate the new card?": reading(("activate_my_card", 0.95))}
    chat.manager.understand = lambda texts: [readings[t] for t in texts]
    whole = reading(("card_arrival", 0.92), ("lost_or_stolen_card", 0.05),
                    ("activate_my_card", 0.03))
    reply = chat.manager.respond("s1", message, whole)
    assert len(reply.data["parts"]) == 2
    hellos = default_kb.responses["utter_ack_greet"].text
    assert any(reply.text.startswith(f"{hello} ") for hello in hellos)
    assert sum(reply.text.count(hello) for hello in hellos) == 1


def test_an_announced_request_read_unsurely_gets_a_question_with_its_closest_entries(
        tiny_kb) -> None:
    """"I need my IBAN for my new employer, and also the statement of the last 3 months":
    the second part matches no entry surely, but its closest ones are the question."""
    from bot.dialogue import part_turns
    from bot.dialogue.policy import Candidate, PolicyConfig, RulePolicy
    from bot.retrieval.faq_index import FaqHit

    policy = RulePolicy(tiny_kb, PolicyConfig())

    def unsure_request(*parts: MessagePart) -> MessagePart | None:
        return part_turns.unsure_request(policy, list(parts), parts[0])

    iban = part("I need my IBAN for my new employer", reading(("receiving_money", 0.88)))
    statements = [Candidate("How do I get a bank statement?", "/faq:account-statements")]
    unsure = MessagePart("and also the statement of the last 3 months",
                         reading(("account_fees", 0.16)),
                         Decision("fallback", candidates=statements))
    asked = unsure_request(iban, unsure)
    assert asked is not None and asked.text == unsure.text
    assert asked.decision.action == "clarify" and asked.decision.candidates == statements
    # read alone as off topic, a fragment still has the entries it comes close to
    hits = [FaqHit(tiny_kb.faq["find-iban"], 0.5, "Where do I find my IBAN?")]
    refused = MessagePart("and also where it is", Understanding(IntentPrediction([]), hits),
                          Decision("out_of_scope"))
    asked = unsure_request(iban, refused)
    assert asked is not None and [c.payload for c in asked.decision.candidates] == [
        "/faq:find-iban"]
    # nothing close enough to suggest, or a courtesy: nothing to ask
    far = Understanding(IntentPrediction([]), [FaqHit(tiny_kb.faq["find-iban"], 0.2, "x")])
    assert unsure_request(iban, MessagePart(refused.text, far, Decision("out_of_scope"))) is None
    thanks = MessagePart("and also thanks a lot", reading(("thanks", 0.3)),
                         Decision("fallback", candidates=statements))
    assert unsure_request(iban, thanks) is None


def test_an_announced_request_that_plainly_means_one_entry_gets_its_answer(tiny_kb) -> None:
    """"..., and can you also tell me how to get a statement for the last three months for my
    accountant": one entry close (0.62), the next far behind: its answer, not "did you mean
    one of these?" with a single button."""
    from bot.dialogue import part_turns
    from bot.dialogue.policy import PolicyConfig, RulePolicy
    from bot.retrieval.faq_index import FaqHit

    policy = RulePolicy(tiny_kb, PolicyConfig())
    first = part("I moved house so I need to change my address", reading(("lost_card", 0.9)))
    hits = [FaqHit(tiny_kb.faq["find-iban"], 0.62, "Where do I find my IBAN?"),
            FaqHit(tiny_kb.faq["opening-hours"], 0.38, "When are you open?")]
    plain = MessagePart("and can you also tell me where my IBAN is for my accountant",
                        Understanding(IntentPrediction([]), hits), Decision("out_of_scope"))
    answered = part_turns.unsure_request(policy, [first, plain], first)
    assert answered is not None and answered.decision.action == "answer_faq"
    assert answered.decision.faq is not None and answered.decision.faq.entry.id == "find-iban"
    # two entries about as close: the question with both
    close = [hits[0], FaqHit(tiny_kb.faq["opening-hours"], 0.55, "When are you open?")]
    torn = MessagePart(plain.text, Understanding(IntentPrediction([]), close),
                       Decision("out_of_scope"))
    asked = part_turns.unsure_request(policy, [first, torn], first)
    assert asked is not None and asked.decision.action == "clarify"
