"""The rules behind follow-ups and yes / no answers, without a model."""

from __future__ import annotations

import pytest

from bot.dialogue.context import (
    Topic,
    changes_a_detail,
    detail_asked,
    looks_like_followup,
    only_points_back,
    prefer_in_context,
    topic_for,
)
from bot.dialogue.offers import read_yes_no
from bot.dialogue.policy import Decision, Understanding
from bot.dialogue.state import SessionState
from bot.nlu.types import IntentPrediction, IntentScore


def understood(name: str | None = None, confidence: float = 0.0,
               forced: bool = False) -> Understanding:
    ranking = [IntentScore(name, confidence)] if name else []
    return Understanding(IntentPrediction(ranking), [], forced=forced)


@pytest.mark.parametrize("text", ["and to Germany?", "what about for a business account?",
                                  "how much does that cost?", "is it free?"])
def test_short_messages_that_lean_on_the_last_answer_are_follow_ups(text: str) -> None:
    assert looks_like_followup(text)


@pytest.mark.parametrize("text", ["my card has not arrived", "how do I change my PIN",
                                  "and I would also like to know how long a transfer to a "
                                  "bank account in another country takes these days"])
def test_whole_questions_are_not_follow_ups(text: str) -> None:
    assert not looks_like_followup(text)


def test_a_topic_is_forgotten_after_a_few_turns() -> None:
    state = SessionState("s", topic_text="how long does a transfer take", topic_target="t",
                         topic_turn=4, turn_count=5)
    assert topic_for(state) is not None
    state.turn_count = 8
    assert topic_for(state) is None


def test_a_changed_detail_is_read_with_the_question_and_anything_else_with_the_subject(
) -> None:
    state = SessionState("s", topic_text="transfer, timing, sepa, swift",
                         topic_target="faq:transfer-timing", topic_turn=1, turn_count=1,
                         topic_question="how long does a transfer take?")
    topic = topic_for(state)
    assert topic is not None
    assert topic == Topic("transfer, timing, sepa, swift", "faq:transfer-timing",
                          "how long does a transfer take?")
    # "and to Germany?" asks the same question about another country...
    assert topic.words_for("and what about to Germany?") == "how long does a transfer take?"
    # ... "how much does that cost?" asks another question about the same subject.
    assert topic.words_for("how much does that cost?") == "transfer, timing, sepa, swift"
    # A session stored before the question was kept reads every follow-up with the subject.
    old = SessionState.from_dict({k: v for k, v in state.to_dict().items()
                                  if k != "topic_question"})
    old_topic = topic_for(old)
    assert old_topic is not None
    assert old_topic.words_for("and to Germany?") == "transfer, timing, sepa, swift"
    state.reset()
    assert state.topic_question is None


def test_context_wins_only_when_it_reads_better() -> None:
    topic = "transfer_timing"
    timing = Decision("answer_intent", intent=IntentScore(topic, 0.9))
    fee = Decision("answer_intent", intent=IntentScore("transfer_fee", 0.9))
    weak = Decision("answer_intent", intent=IntentScore("card_fee", 0.55))
    unclear = Decision("fallback")
    assert prefer_in_context("how much is that?", unclear, fee, topic)
    assert prefer_in_context("how much is that?", weak, fee, topic)
    assert prefer_in_context("and to Germany?", weak, timing, topic)  # carries on the topic
    assert prefer_in_context("and to Germany?", timing, weak, topic)
    # a clear question of its own is not bent towards the topic
    assert not prefer_in_context("what about a business account?", fee, timing, topic)
    assert not prefer_in_context("how much is that?", fee, weak, topic)
    assert not prefer_in_context("how much is that?", fee, unclear, topic)


def test_a_bare_detail_keeps_the_topic_even_when_it_reads_clearly_alone() -> None:
    """"and what about to Germany?" after a transfer-time answer asks about transfer times
    to Germany, however sure the model is that "Germany" means country support."""
    topic = "transfer_timing"
    timing = Decision("answer_intent", intent=IntentScore(topic, 0.8))
    countries = Decision("answer_intent", intent=IntentScore("country_support", 0.97))
    for detail in ("and what about to Germany?", "and for my son?", "also from the US?"):
        assert prefer_in_context(detail, countries, timing, topic), detail
    # a subject of its own, or a context reading that is not the topic, is not bent back
    assert not prefer_in_context("what about a business account?", countries, timing, topic)
    assert not prefer_in_context("and to Germany?", countries, countries, topic)
    # the last answer came from the FAQ entry that answers the intent read in context
    answer_of = {topic: "faq:transfer-timing"}.get
    assert prefer_in_context("and to Germany?", countries, timing, "faq:transfer-timing",
                             lambda target: answer_of(target) or target)


def test_a_follow_up_that_names_its_own_subject_is_not_mixed_with_the_last_one() -> None:
    """After the ATM fees, "and how much is it for sending money to the US?" is read alone:
    read with the ATM topic it became a third thing (cash withdrawals abroad)."""
    topic = "cash_withdrawal_charge"
    swift = Decision("answer_intent", intent=IntentScore("international_transfer", 0.6))
    mixed = Decision("answer_intent", intent=IntentScore("cash_withdrawal_abroad", 0.9))
    question = "And how much is it for sending money to the US?"
    assert looks_like_followup(question)
    assert not prefer_in_context(question, swift, mixed, topic)
    # a short follow-up that says little of its own still takes the context, as does one
    # that points back at the last answer
    assert prefer_in_context("and to the US?", swift, mixed, topic)
    assert prefer_in_context("and how much is it for doing that on a saturday", swift, mixed,
                             topic)


def test_a_question_whose_only_subject_points_back_keeps_the_topic() -> None:
    """"is this going to cost me anything?" after an investment answer asks about investing,
    however sure the model is, alone, that it asks about top-up charges."""
    topic = "faq:investment-advice"
    investing = Decision("answer_intent", intent=IntentScore(topic, 0.6))
    top_up = Decision("answer_intent", intent=IntentScore("top_up_charge", 0.88))
    for question in ("is this going to cost me anything?", "how long does that take?",
                     "is it safe?"):
        assert only_points_back(question)
        assert prefer_in_context(question, top_up, investing, topic), question
    # a subject of its own is not bent back, nor is a context reading off the topic
    for own in ("does this work with apple pay?", "can I use it abroad?"):
        assert not only_points_back(own)
        assert not prefer_in_context(own, top_up, investing, topic), own
    assert not prefer_in_context("is it safe?", top_up, top_up, topic)


@pytest.mark.parametrize(("text", "reading", "expected"), [
    ("yes please", understood(), True),
    ("nope", understood(), False),
    ("go on then, do it", understood("affirm", 0.8), True),
    ("go on then, do it", understood("affirm", 0.4), None),   # not sure: not an answer
    ("/deny", understood("deny", 1.0, forced=True), False),
    ("how much is a loan", understood("loan_enquiry", 0.9), None),
])
def test_yes_and_no_are_read_from_words_or_a_sure_model(text: str, reading: Understanding,
                                                        expected: bool | None) -> None:
    assert read_yes_no(text, reading) == expected


def test_a_detail_with_an_faq_entry_of_its_own_is_answered_from_it() -> None:
    """After the spare-card fee, "And for a joint account, what would that run to?" names a
    subject the bank answers on its own (a clear FAQ match): that entry, not the card fee
    again. A detail matched only loosely keeps the topic."""
    from bot.kb import FaqEntry
    from bot.retrieval.faq_index import FaqHit

    topic = "getting_spare_card"
    spare = Decision("answer_intent", intent=IntentScore(topic, 0.96))
    entry = FaqEntry(id="joint-accounts", category="account",
                     questions=["Can I open a joint account?"],
                     answer="Not at the moment.")
    joint = Decision("answer_faq", faq=FaqHit(entry, 0.8, entry.questions[0]))
    loose = Decision("answer_faq", faq=FaqHit(entry, 0.6, entry.questions[0]))
    question = "And for a joint account, what would that run to?"
    assert not prefer_in_context(question, joint, spare, topic)
    assert prefer_in_context(question, loose, spare, topic)


@pytest.mark.parametrize(("text", "asked"), [
    ("and in pounds? might do london after", "and in pounds?"),
    ("same for business? i do wedding photography on the side and want to keep it separate",
     "same for business?"),
    ("and to Germany?", "and to Germany?"),
])
def test_a_changed_detail_with_a_remark_after_it_asks_the_detail(text: str, asked: str) -> None:
    assert changes_a_detail(text) and looks_like_followup(text)
    assert detail_asked(text) == asked


@pytest.mark.parametrize("text", ["and to Germany? how long does it take",
                                  "and in pounds? what's the rate"])
def test_a_second_question_after_the_detail_is_no_remark(text: str) -> None:
    assert not changes_a_detail(text)
    assert detail_asked(text) == text
