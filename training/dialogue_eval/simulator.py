"""The simulated customer: answers whatever the bot asks by meaning, as a person would.

It knows its goal (`wants`, in words) and its facts (the profile). For each bot reply it
finds the question (the last sentence ending in "?"), then (a form's question tries 2 first):

1. an offer ("Shall I...?", "Would you like to...?") -> "yes please" when it matches a want,
   else "no thanks";
2. a question close in meaning to one of its facts -> that fact in its own words (with
   `several_at_once`, the next fact not yet given too), whatever the slot is called and
   whatever the order the bot asks in; a question about a fact it lacks gets nothing;
3. buttons (a clarifying question, an offer of a person) -> the one closest to a want, or,
   for "Did you mean one of these?", to what the customer has just asked (a question asked
   inside a form is answered before the form's question, as a person would want);
4. nothing it can answer -> None: a real customer would give up or repeat themselves, and
   the runner records that the bot lost them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from bot.nlu.encoder import SentenceEncoder
from bot.response import BotResponse
from training.dialogue_eval.suite import Profile
from training.dialogue_eval.topics import FACT_TOPICS

# Cosine similarity (all-MiniLM-L6-v2) from which a question counts as asking for a fact, or
# a button / offer as matching a want. Measured on the forms' questions and paraphrases of
# them (tests/dialogue/test_dialogue_suite.py): the right fact scores 0.6-0.9, the best
# wrong one under 0.4 (0.5-0.65 when the question is vague, but then below the right one);
# a matching offer or button 0.6-0.7, an unrelated banking one up to 0.38.
FACT_THRESHOLD: Final = 0.4
WANT_THRESHOLD: Final = 0.45
# Buttons are compared with each other: the closest is pressed unless all are unrelated.
BUTTON_THRESHOLD: Final = 0.3
GIVEN_PENALTY: Final = 0.05  # a fact already given is less likely to be asked again
# A yes/no offer: "Shall I...", "Would you like a...", not "How much would you like...".
OFFER = re.compile(r"^\W*((shall|should) (i|we)|(would|do) you (like|want)|want me to)\b",
                   re.IGNORECASE)
# A colon before a capital ends a sentence too: "To carry on with the loan check: How old are
# you?" asks for the age, as a person reads it.
SENTENCE_END = re.compile(r"(?<=[.?!])\s+|(?<=:)\s+(?=[A-Z])|\n+")
YES, NO = "yes please", "no thanks"


@dataclass(frozen=True)
class Move:
    """A simulated message and why it was chosen (shown in transcripts)."""

    text: str
    reason: str
    facts: tuple[str, ...] = ()


def question_of(text: str) -> str | None:
    """The last sentence of `text` that ends in a question mark."""
    sentences = [s.strip() for s in SENTENCE_END.split(text) if s.strip()]
    questions = [s for s in sentences if s.endswith("?")]
    return questions[-1] if questions else None


@dataclass
class CustomerSimulator:
    """One customer for one conversation (it remembers which facts it has given)."""

    encoder: SentenceEncoder
    profile: Profile | None = None
    wants: list[str] = field(default_factory=list)
    given: list[str] = field(default_factory=list)
    last_said: str | None = None  # the customer's last message in words (not a button)

    def said(self, message: str) -> None:
        """Remember what the customer just wrote (a button payload is not their words)."""
        if not message.startswith("/"):
            self.last_said = message

    def _vectors(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode_many(texts)

    def match_fact(self, question: str) -> tuple[str, float] | None:
        """The profile fact `question` asks for, with its similarity; None if none is close.

        The question is compared with every kind of fact the simulator knows, not only the
        profile's: a customer who is asked something they have no answer for ("how long to
        repay?" with only an amount in mind) says nothing rather than the nearest fact."""
        profile = self.profile
        if profile is None:
            return None
        kinds = {**{k: list(v) for k, v in FACT_TOPICS.items()},
                 **{name: profile.topics(name) for name in profile.facts}}
        q = self._vectors([question])[0]
        best: tuple[str, float] | None = None
        for name, topics in kinds.items():
            score = float(np.max(self._vectors(topics) @ q))
            ranked = score - (GIVEN_PENALTY if name in self.given else 0.0)
            if best is None or ranked > best[1]:
                best = (name, ranked)
        if best is None or best[0] not in profile.facts or best[1] < FACT_THRESHOLD:
            return None
        return best

    def want_score(self, text: str) -> float:
        """How close `text` (an offer, a button title) is to anything the customer wants."""
        if not self.wants:
            return 0.0
        vectors = self._vectors([text, *self.wants])
        return float(np.max(vectors[1:] @ vectors[0]))

    def reply(self, response: BotResponse) -> Move | None:
        question = question_of(response.text)
        if response.action == "clarify" and response.buttons and self.last_said:
            move = self._press_closest(response, [self.last_said, *self.wants])
            if move is not None:
                return move
        if question and response.form is not None:  # a form's question comes first
            move = self._answer(question)
            if move is not None:
                return move
        if question and OFFER.search(question):
            if not self.wants:  # an offer is never a question about a fact
                return None
            # "Shall we go through those questions?" says what it offers in the text before
            # it: a person reads it sentence by sentence, as well as whole
            sentences = [s.strip() for s in SENTENCE_END.split(response.text) if s.strip()]
            score = max(self.want_score(text) for text in [response.text, *sentences])
            return Move(YES if score >= WANT_THRESHOLD else NO,
                        f"offer, want similarity {score:.2f}")
        if question:
            move = self._answer(question)
            if move is not None:
                return move
        if response.buttons and self.wants:
            return self._press_closest(response, self.wants)
        return None

    def _press_closest(self, response: BotResponse, aims: list[str]) -> Move | None:
        """The button closest in meaning to any of `aims`, unless all are unrelated."""
        titles = [b.title for b in response.buttons]
        vectors = self._vectors([*titles, *aims])
        scores = (vectors[:len(titles)] @ vectors[len(titles):].T).max(axis=1)
        best = int(np.argmax(scores))
        if scores[best] < BUTTON_THRESHOLD:
            return None
        button = response.buttons[best]
        return Move(button.payload, f"pressed '{button.title}' ({scores[best]:.2f})")

    def _answer(self, question: str) -> Move | None:
        profile = self.profile
        match = self.match_fact(question)
        if match is None or profile is None:
            return None
        name, score = match
        names = [name]
        if profile.style == "several_at_once":
            order = list(profile.facts)  # the facts after this one, as a person goes on
            after = order[order.index(name) + 1:] + order[:order.index(name)]
            names += [n for n in after if n not in self.given][:1]
        self.given += [n for n in names if n not in self.given]
        text = ", ".join(profile.facts[n].say for n in names)
        return Move(text, f"fact {'+'.join(names)} ({score:.2f})", tuple(names))
