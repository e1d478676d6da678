"""Offers are state: a reply that proposes a next step ("Shall I check a loan for you?") is
remembered for one turn, and the customer's "yes" / "no" answers it.

A yes or no with no offer open is not an answer to anything: the intent's own response
("What can I help you with?") takes it, so "yes" never loops on "Anything else?".
"""

from __future__ import annotations

from bot.dialogue.policy import Understanding
from bot.kb import Offer
from bot.nlu.entities import yes_no
from bot.response import Button

AFFIRM_INTENT = "affirm"
DENY_INTENT = "deny"
# The decline button sends a plain "no": it reads as a no in any knowledge base.
DECLINE_PAYLOAD = "no"
# How sure the intent model must be that a longer message ("go on then, do it") is a yes/no.
YES_NO_CONFIDENCE = 0.6
# The reply's `data` key that carries an open offer, and the one that says a yes took it.
OFFER = "offer"
OFFER_ACCEPTED = "offer_accepted"
OFFER_DECLINED = "offer_declined"


def read_yes_no(text: str, understood: Understanding) -> bool | None:
    """True for a yes, False for a no, None for anything else: short yes/no words first,
    then the affirm / deny intents (a button, or the model when it is sure)."""
    answer = yes_no(text)
    if answer is not None:
        return answer
    top = understood.prediction.top
    if top is None or top.name not in (AFFIRM_INTENT, DENY_INTENT):
        return None
    if understood.forced or top.confidence >= YES_NO_CONFIDENCE:
        return top.name == AFFIRM_INTENT
    return None


def offer_text(answer: str, offer: Offer) -> str:
    return f"{answer}\n\n{offer.ask}"


def offer_buttons(offer: Offer) -> list[Button]:
    return [Button(title=offer.accept_title, payload=offer.payload),
            Button(title=offer.decline_title, payload=DECLINE_PAYLOAD)]


def offer_data(offer: Offer) -> dict[str, str]:
    return {"payload": offer.payload, "title": offer.ask}
