"""A follow-up that asks the last question again with one detail changed ("and in pounds?",
"same for business?"), with a remark after it: read in context, it gets the last answer's
entry again when nothing else fits, or the detail's own entry when it has one. The model's
readings are given directly."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.config import Settings
from bot.dialogue.context import with_topic
from bot.dialogue.policy import Understanding
from bot.kb import KnowledgeBase
from bot.nlu.types import IntentPrediction, IntentScore
from bot.retrieval.faq_index import FaqHit
from tests.dialogue.test_form_answers import Chat


@pytest.fixture
def chat(tmp_path, default_kb, encoder) -> Chat:
    return Chat(Settings(data_dir=tmp_path, device="cpu"), default_kb, encoder)


def reading(kb: KnowledgeBase, ranking: list[tuple[str, float]],
            hits: list[tuple[str, float]], out_of_scope: bool = False) -> Understanding:
    return Understanding(
        IntentPrediction([IntentScore(n, c) for n, c in ranking], out_of_scope),
        [FaqHit(kb.faq[i], s, kb.faq[i].questions[0]) for i, s in hits])


def reads(readings: dict[str, Understanding], default: Understanding
          ) -> Callable[[list[str]], list[Understanding]]:
    return lambda texts: [readings.get(t, default) for t in texts]


@pytest.mark.parametrize(("own_score", "again"), [(0.69, True), (0.6, False)])
def test_a_changed_detail_gets_the_last_answer_again_when_it_is_among_the_closest(
        chat: Chat, own_score: float, again: bool) -> None:
    """Nothing fits "and in pounds?" surely in context: the card payment fee again when its
    entry is within 0.05 of the closest match, not when it is far behind."""
    kb = chat.manager.kb
    first = "whats the fee if i pay w my card in the us? going to nyc in june"
    chat.say(first, "card_payment_fee_charged", 0.9)
    chat.manager.understand = reads({
        with_topic(first, "and in pounds?"): reading(
            kb, [("top_up_by_card_charge", 0.24), ("card_acceptance", 0.21)],
            [("card-travel-abroad", 0.71), ("card-payment-fee", own_score)]),
    }, reading(kb, [("exchange_via_app", 0.28)], [], out_of_scope=True))
    reply = chat.say("and in pounds? might do london after", "exchange_via_app", 0.28,
                     out_of_scope=True)
    assert (reply.response_id == "faq:card-payment-fee") is again, (reply.action, reply.text)


def test_a_changed_detail_with_an_entry_of_its_own_gets_that_entry(chat: Chat) -> None:
    kb = chat.manager.kb
    first = "is there a monthly fee on the basic account?"
    chat.say(first, "account_fees", 0.99)
    chat.manager.understand = reads({
        with_topic(first, "same for business?"): reading(
            kb, [("account_fees", 0.98)], [("account-fees", 0.64), ("business-accounts", 0.63)]),
        "same for business?": reading(kb, [("affirm", 0.17)], [("business-accounts", 0.54)]),
    }, reading(kb, [("small_talk", 0.1)], [], out_of_scope=True))
    reply = chat.say("same for business? i do wedding photography on the side and want to "
                     "keep it separate", "getting_spare_card", 0.09, out_of_scope=True)
    assert reply.response_id == "faq:business-accounts", (reply.action, reply.text)
