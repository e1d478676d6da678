"""The sentences Teller's own code says (form hints, "Got it", tool results), per language.

The KB's texts (answers, responses, form questions) come from the KB and its locales; these
are the rest: English here, and every locale gives each of them under `messages:` in its
folder (`bot.kb.locales` checks that all are there, with the same `{placeholders}`). The
dialogue manager sets the language's catalogue for the turn it answers (`speaking`), and
code anywhere below it says `say("id", value=...)`: the form helpers and the tools' actions
need no language parameter threaded through them.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

MESSAGES: dict[str, str] = {
    # forms (bot.dialogue.forms, bot.dialogue.slots, bot.dialogue.answer_hints)
    "form.got_it": "Got it: {notes}.",
    "form.got_it_choice": "Got it: '{title}'.",
    "form.got_it_words": "Got it: {words}, so '{title}'.",
    "form.choice_note": "{label} '{title}'",  # a choice said back in form.got_it's {notes}
    "form.cancelled": "OK, I've stopped the {form}. Ask me anything else, or start again "
                      "whenever you like.",
    "form.not_caught": "Sorry, I didn't catch that.",
    # a short answer that fits several choices ("car": a new or a used one?)
    "form.which_choice": "Which one: {choices}?",
    "form.choice_or": "or",
    "form.unreadable": "Sorry, I couldn't read that answer.",
    "form.carry_on": "To carry on with the {form}: {question}",
    "form.tool_failed": "Sorry, I couldn't complete the {form} right now: the service "
                        "behind it did not answer. Please try again later, or ask to talk to a "
                        "person.",
    "form.given_up": "Let's leave the {form} for now: you can start again any time, or ask "
                     "to talk to a person.",
    "form.handoff_button": "Talk to a person",
    "form.out_of_range": "{value} won't work here: it needs to be {span}.",
    "form.too_large_span": "That number is too large to use here: it needs to be {span}.",
    "form.too_large": "That number is too large to use here. {hint}",
    "form.other_currency": "Please give the amount in {currency}; I can't convert {amount} "
                           "here.",
    "form.several_numbers": "I found several numbers there ({numbers}); which one?",
    "span.between": "between {low} and {high}",
    "span.at_least": "at least {low}",
    "span.at_most": "at most {high}",
    "hint.choice": "Please choose one of: {choices}.",
    "hint.yes_no": "Please answer yes or no.",
    "hint.date": "Please give a date, like 14 March.",
    "hint.money": "Please give the amount as a number, like {example}.",
    "hint.duration": "Please give it as a number of {unit}, like {example} {unit}.",
    "hint.age": "Please give the age as a whole number, like {example}.",
    "hint.percentage": "Please give it as a percentage, like {example}%.",
    "hint.number": "Please give it as a number, like {example}.",
    "value.yes": "yes",
    "value.no": "no",
    "unit.months": "months",
    "unit.years": "years",
    "unit.month": "month",
    "unit.year": "year",
    "unit.second": "second",
    "unit.seconds": "seconds",
    # an offer's buttons when a locale gives no titles of its own (bot.kb.locales)
    "offer.accept": "Yes, please",
    "offer.decline": "No, thanks",
    # answers citing the bank's documents (bot.dialogue.render)
    "source": "(Source: {citations})",
    # the web chat's own words (ui.chat; {bank} is the bank's name)
    "chat.title": "{bank} assistant",
    "chat.conversation": "Conversation with the {bank} assistant",
    "chat.placeholder": "Type your question and press Enter",
    "chat.message_label": "Your message",
    "chat.send": "Send",
    "chat.person": "Talk to a person",
    "chat.why": "Why this answer?",
    "chat.slow_down": "You're sending messages faster than I can answer; please wait {wait} "
                      "{unit}.",
    "chat.not_sent": "Not sent: {reason}",
    # a message in a language whose model is still training (bot.pipeline)
    "language.preparing": "I can't answer in this language quite yet: I'm still learning it, "
                          "which takes a minute or two after the first start. Please write "
                          "again shortly.",
    # the reference tools' results (bot.actions)
    "credit.approve": "Good news: on these answers you would very likely be approved.",
    "credit.refer": "On these answers we would need a person to look at your application.",
    "credit.decline": "On these answers we would likely not be able to offer this loan.",
    "credit.default_chance": "Estimated chance of the loan not being repaid: {chance}.",
    "credit.factors": "The main factors:",
    "credit.disclaimer": "This is an indicative result, not a credit decision or an offer.",
    "portfolio.summary": "Your answers give a risk score of {score}/100 ({label}). A model "
                         "portfolio for that profile:",
    "portfolio.outlook": "Expected return about {expected} a year, volatility {volatility}; in "
                         "a bad year (1 in 20) it could fall to {worst}.",
}

_current: ContextVar[Mapping[str, str]] = ContextVar("teller_messages", default=MESSAGES)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def say(message_id: str, **values: object) -> str:
    """The message in the language of the turn being answered, with `values` filled in."""
    template = _current.get().get(message_id) or MESSAGES[message_id]
    return template.format(**values) if values else template


@contextmanager
def speaking(messages: Mapping[str, str]) -> Iterator[None]:
    """Say `say(...)` messages from `messages` (a language's catalogue) in this block."""
    token = _current.set(messages)
    try:
        yield
    finally:
        _current.reset(token)
