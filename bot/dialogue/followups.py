"""Follow-ups read with the last topic: the dialogue manager's part that decides whether "and
to Germany?", "how much does that cost?" or "and in pounds? might do london after" is read
together with the words behind the last answer (`bot.dialogue.context` holds the rules)."""

from __future__ import annotations

from collections.abc import Callable

from bot.dialogue import context
from bot.dialogue.policy import Decision, RulePolicy, Understanding
from bot.dialogue.state import SessionState
from bot.kb import KnowledgeBase

# "and in pounds?": the last answer's FAQ entry answers again when the follow-up read in
# context matches it this close to its best match (and nothing surely).
TOPIC_ENTRY_WITHIN = 0.05


class FollowUpTurns:
    kb: KnowledgeBase
    policy: RulePolicy
    understand: Callable[[list[str]], list[Understanding]] | None

    def _in_context(self, text: str, understood: Understanding, state: SessionState,
                    ) -> tuple[Understanding, context.Topic | None]:
        """A short follow-up read together with the words behind the last answer, when that
        reading is the better one."""
        topic = context.topic_for(state)
        if topic is None or not context.looks_like_followup(text):
            return understood, None
        assert self.understand is not None
        asked = context.detail_asked(text)
        readings = self.understand([context.with_topic(topic.words_for(asked), asked),
                                    *([asked] if asked != text else [])])
        combined, asked_alone = readings[0], readings[-1] if asked != text else understood
        alone = self.policy.decide(asked_alone, state)
        in_context = self.policy.decide(combined, state)
        if context.prefer_in_context(asked, alone, in_context, topic.target, self._answer_of):
            detail = self._detail_entry(asked, asked_alone, in_context, combined, topic)
            return (detail or combined), topic
        again = self._topic_entry_again(asked, in_context, combined, topic)
        if again is not None:
            return again, topic
        return understood, None

    def _detail_entry(self, asked: str, alone: Understanding, in_context: Decision,
                      combined: Understanding, topic: context.Topic) -> Understanding | None:
        """"same for business?" after the account fees: the context reading answers the
        last question again, while the detail's own closest FAQ entry ("Do you offer
        business accounts?") is as close to it in context (within TOPIC_ENTRY_WITHIN of the
        best match): the detail has an answer of its own."""
        if (not context.changes_a_detail(asked) or not alone.faq_hits
                or self._answer_of(context.target_of(in_context) or "")
                != self._answer_of(topic.target)):
            return None
        own = f"faq:{alone.faq_hits[0].entry.id}"
        if own == self._answer_of(topic.target):
            return None
        return self._entry_in_context(combined, own)

    def _topic_entry_again(self, asked: str, in_context: Decision, combined: Understanding,
                           topic: context.Topic) -> Understanding | None:
        """"and in pounds?" after the card payment fee: the last question asked again with a
        detail changed, which the context reading answers with nothing sure while the last
        answer's FAQ entry is among its closest matches (within TOPIC_ENTRY_WITHIN of the
        best): that entry again, which covers the detail, rather than a refusal."""
        if not context.changes_a_detail(asked) or context.target_of(in_context) is not None:
            return None
        return self._entry_in_context(combined, self._answer_of(topic.target))

    def _entry_in_context(self, combined: Understanding, answer: str) -> Understanding | None:
        """`answer` (an FAQ entry, "faq:<id>") for a follow-up read in context, when the
        entry is among that reading's closest matches: from the policy's clarify floor and
        within TOPIC_ENTRY_WITHIN of the best. Chosen by the rule, as a button would be: the
        policy answers with it."""
        hits = combined.faq_hits
        hit = next((h for h in hits if f"faq:{h.entry.id}" == answer), None)
        if (hit is None or hit.score < self.policy.config.clarify_min_faq_score
                or hit.score < hits[0].score - TOPIC_ENTRY_WITHIN):
            return None
        return Understanding(combined.prediction, [hit], forced=True)

    def _answer_of(self, target: str) -> str:
        """The FAQ entry that answers an intent, else the target itself."""
        entry = self.kb.faq_by_intent.get(target)
        return f"faq:{entry.id}" if entry is not None else target
