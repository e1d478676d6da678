"""How a form slot's value is said back to the customer: "€5,000", "24 months", "Got it:
for when I stop working, so 'grow my money over the long term'."."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.kb import FormSlot
from bot.messages import say
from bot.nlu.paraphrase import PhraseMatch

CURRENCY_SIGN = {"EUR": "€", "GBP": "£", "USD": "$"}


@dataclass(frozen=True)
class SlotFill:
    value: Any
    display: str
    paraphrase: PhraseMatch | None = None  # set when a choice was matched by meaning


def _number_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def display_value(slot: FormSlot, value: Any) -> str:
    if slot.type == "money":
        currency = slot.unit or "EUR"
        return f"{CURRENCY_SIGN.get(currency, currency + ' ')}{_number_text(float(value))}"
    if slot.type == "duration":
        if isinstance(value, int | float) and value < 0:  # "unemployed": the slot's word
            return next((w for w, v in slot.words.items() if v == value), "none")
        unit = slot.unit or "months"
        return f"{_number_text(float(value))} {say(f'unit.{unit if value != 1 else unit[:-1]}')}"
    if slot.type == "percentage":
        return f"{_number_text(float(value))}%"
    if slot.type == "yes_no":
        return say("value.yes") if value else say("value.no")
    if slot.type == "choice":
        return next((c.title for c in slot.choices if c.value == value), str(value))
    if slot.type in ("age", "number"):
        return _number_text(float(value))
    return str(value)


def understood_note(slot: FormSlot, text: str, fill: SlotFill) -> str:
    """What a paraphrased answer was taken to mean, in the reply: "Got it: for when I stop
    working, so 'grow my money over the long term'."."""
    title = fill.display
    if len(title) > 1 and not title[1].isupper():
        title = title[0].lower() + title[1:]
    words = " ".join(text.split()).rstrip(".!,;: ")
    if not words or len(words) > 60:
        return say("form.got_it_choice", title=title)
    return say("form.got_it_words", words=words, title=title)
