"""Follow-ups: a short message that leans on the last answer ("and to Germany?", "how much
does that cost?", "what about for a business account?") is read together with the
customer's words that led to that answer.

The rule only proposes a reading in context; the dialogue manager keeps it when the model
understands the combined text better than the message alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.dialogue.policy import Decision
from bot.dialogue.state import SessionState
from bot.nlu.segments import words

# Openers that continue the last topic.
CONTINUES = re.compile(
    r"^\W*(?:and|also|what about|how about|what if|same (?:for|with|thing for)|ok(?:ay)? and|"
    r"so|but|then|plus|is that|does that|will that|can i do that|can that)\b", re.IGNORECASE)
# "and to Germany?", "what about for my son?": the opener then a bare phrase led by a
# preposition has no subject of its own; it changes one detail of the last question.
# "same for business?" names the detail straight after its opener. A short remark may follow
# ("and in pounds? might do london after"), not a second question.
CHANGES_A_DETAIL = re.compile(
    r"^\W*(?:(?:and|also|what about|how about|same for|ok(?:ay)? and|but)\W+(?:what about\W+)?"
    r"(?:to|for|from|in|into|with|on|at|by|via|within|outside|abroad)\b|"
    r"same (?:for|with|thing for)\b)[^?.!]{0,40}"
    r"(?:[?.!]+(?!\s*(?:what|whats|how|why|when|where|who|which|can|could|do|does|is|are|will|"
    r"would)\b)(?:\s+[^?]{0,80})?)?\W*$",
    re.IGNORECASE)
# The end of a follow-up's first sentence.
_FIRST_SENTENCE = re.compile(r"^[^?.!]*[?.!]*")
# Words that point back at something said before.
POINTS_BACK = re.compile(r"\b(?:that|it|this|those|these|them|there|one|ones)\b", re.IGNORECASE)
# ... and those that cannot be a mere "it" of "how much is it": "doing that on a Saturday".
DEMONSTRATIVE = re.compile(r"\b(?:that|this|those|these)\b", re.IGNORECASE)
# Words that name no subject: a follow-up made only of these and a word pointing back ("is
# this going to cost me anything?", "how long does that take?") is about the last topic,
# however surely the model reads it alone (alone, it is a guess at a subject it never saw).
_NO_SUBJECT_WORDS = """
a an the and also so ok okay oh then but or if just really actually still please thanks
i me my we us our you your is are was were be been being am do does did doing done will
would can could should shall may might must have has had get gets got getting going go
how what whats what's which when why where who much many long often soon far
cost costs costing charge charges charged fee fees pay paying price prices expensive cheap
free anything something any extra take takes taking work works safe risky worth need
to for of in on at by with about from there here right now yet again more less it's
"""
NAMES_NO_SUBJECT = frozenset(_NO_SUBJECT_WORDS.split())
MAX_FOLLOWUP_WORDS = 12
# A message this sure of an answer other than the topic's is a question of its own.
CLEAR_ON_ITS_OWN = 0.75
# A follow-up this long names its own subject, unless the model cannot read it alone.
SAYS_ENOUGH_WORDS = 6
# A follow-up refers to an answer at most this many turns back.
TOPIC_TURNS = 3
# Actions whose subject a follow-up can refer to.
TOPIC_ACTIONS = {"answer_intent", "answer_faq"}
# The reply's `data` key that says a message was read in context.
CONTEXT = "context"


@dataclass(frozen=True)
class Topic:
    """The subject of a recent answer: its words (the FAQ entry's tags, else the customer's
    question), what answered it, and the customer's question itself."""

    text: str
    target: str
    question: str | None = None

    def words_for(self, followup: str) -> str:
        """What to read a follow-up with. The subject's words name it without the question's
        own ("how much does that cost?" after the transfer times is about fees, not time); a
        follow-up that only changes a detail ("and to Germany?") asks the same question
        again, so it is read with the question."""
        if self.question and CHANGES_A_DETAIL.match(followup):
            return self.question
        return self.text


def continues_topic(text: str) -> bool:
    """The message opens with words that carry on the last topic ("and to Germany?")."""
    return bool(CONTINUES.match(text))


def looks_like_followup(text: str) -> bool:
    """Short, and either carries on ("and ...", "what about ...") or points back ("that")."""
    count = words(detail_asked(text))  # the detail changed counts, not a remark after it
    if count == 0 or count > MAX_FOLLOWUP_WORDS:
        return False
    return continues_topic(text) or bool(POINTS_BACK.search(text))


def changes_a_detail(text: str) -> bool:
    """The message asks the last question again with one detail changed ("and to Germany?",
    "same for business? i do photography on the side")."""
    return bool(CHANGES_A_DETAIL.match(text))


def detail_asked(text: str) -> str:
    """What a follow-up asks: its first sentence when it changes a detail and adds a remark
    ("and in pounds?" of "and in pounds? might do london after"), else the message."""
    if not CHANGES_A_DETAIL.match(text):
        return text
    first = _FIRST_SENTENCE.match(text).group().strip()  # type: ignore[union-attr]
    return first if words(first) else text


def only_points_back(text: str) -> bool:
    """The message's subject is only a word pointing back ("does that cost anything?")."""
    tokens = re.findall(r"[a-z']+", text.lower())
    return (bool(POINTS_BACK.search(text)) and 0 < len(tokens) <= MAX_FOLLOWUP_WORDS
            and all(t in NAMES_NO_SUBJECT or POINTS_BACK.fullmatch(t) for t in tokens))


def topic_for(state: SessionState) -> Topic | None:
    """The subject of a recent answer, if a follow-up may refer to it."""
    if (state.topic_text and state.topic_target
            and state.turn_count - state.topic_turn < TOPIC_TURNS):
        return Topic(state.topic_text, state.topic_target, state.topic_question)
    return None


def with_topic(topic: str, text: str) -> str:
    """The message first, the topic after it: the model reads the new question, the topic
    only fills in what "that" or "and to Germany?" leave out."""
    return f"{text} ({topic.strip(' .?!')})"


def target_of(decision: Decision) -> str | None:
    """What a decision answers with: an FAQ entry, a document passage or an intent; None for
    anything else."""
    if decision.action == "answer_faq" and decision.faq is not None:
        return f"faq:{decision.faq.entry.id}"
    if decision.action == "answer_passage" and decision.passage is not None:
        return f"passage:{decision.passage.passage.id}"
    if decision.action in ("answer_intent", "handoff") and decision.intent is not None:
        return decision.intent.name
    return None


def strength(decision: Decision) -> float:
    """How sure a decision is, on one scale for intents, FAQ matches and passages."""
    if decision.action == "answer_faq" and decision.faq is not None:
        return decision.faq.score
    if decision.action == "answer_passage" and decision.passage is not None:
        return decision.passage.score
    if decision.intent is not None and decision.action in ("answer_intent", "handoff"):
        return decision.intent.confidence
    return 0.0


def prefer_in_context(text: str, alone: Decision, in_context: Decision, topic: str,
                      answer_of: Callable[[str], str] = lambda target: target) -> bool:
    """Keep the reading in context when it answers something and the message alone does
    not; never when the message alone is a clear question about something else ("what about
    a business account?" has its own answer) unless its only subject points back to the
    topic ("is this going to cost me anything?"); otherwise when the message carries on the
    topic explicitly, or when context makes the model clearly surer.

    `answer_of` maps a target to the answer it gives, so that an intent and the FAQ entry
    that answers it (`transfer_timing`, `faq:transfer-timing`) count as the same topic."""
    in_context_target, alone_target = target_of(in_context), target_of(alone)
    if in_context_target is None:
        return False
    if alone_target is None:
        return True
    on_topic = answer_of(in_context_target) == answer_of(topic)
    alone_on_topic = answer_of(alone_target) == answer_of(topic)
    if CHANGES_A_DETAIL.match(text) and on_topic and not (
            alone.action == "answer_faq" and strength(alone) >= CLEAR_ON_ITS_OWN):
        # "and to Germany?" asks the last question again; "and for a joint account, what
        # would that run to?" names a subject the bank has an entry of its own for
        return True
    if only_points_back(text) and on_topic:
        return True
    if strength(alone) >= CLEAR_ON_ITS_OWN and not alone_on_topic:
        return False
    if (words(text) >= SAYS_ENOUGH_WORDS and strength(alone) >= 0.5 and not alone_on_topic
            and not DEMONSTRATIVE.search(text)):
        # "and how much is it for sending money to the US?" names its own subject: context
        # that repeats the last topic, or mixes it with the new one into a third reading
        # (cash withdrawals abroad, after the ATM fees), does not override it.
        return False
    if continues_topic(text):
        return True
    return strength(in_context) > strength(alone) + 0.05
