"""Turns of an open form: an answer to the question asked, a question of the customer's
own first, a way out (cancel, restart, a person, another form), or a side question answered
before the form's question is asked again. A mixin of `DialogueManager`, kept apart so the
manager reads in one screen."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.dialogue import context
from bot.dialogue.forms import CANCEL, LEAVE, LEAVE_CONFIDENCE, FormController, FormReply
from bot.dialogue.parts import SMALL_TALK
from bot.dialogue.policy import Decision, RulePolicy, Understanding
from bot.dialogue.slots import asks_to_restart, fill_slots, says_start_over
from bot.dialogue.state import SessionState
from bot.kb import Form, KnowledgeBase
from bot.nlu.segments import words
from bot.payloads import faq_payload
from bot.response import BotResponse, Button

# A message that asks something: a question mark, or a question word first.
QUESTION = re.compile(
    r"\?\s*$|^\W*(?:what|whats|what's|how|why|when|where|who|which|can|could|do|does|did|is|"
    r"are|will|would|should|may|btw|by the way)\b", re.IGNORECASE)


# A question about something: never an answer to the form's question ("what happens if I
# miss one payment?" gives no "one" year with the employer).
WH_QUESTION = re.compile(r"^\W*(?:what|whats|what's|how|why|when|where|who|which)\b",
                         re.IGNORECASE)
# A question that also holds a value for the slot asked is read as the answer, unless the
# model is this sure it asks something else.
SURE_SIDE_QUESTION = 0.85
# Inside a form, a question matching an FAQ entry this well is answered from it.
SIDE_FAQ_SCORE = 0.6


class FormTurns:
    kb: KnowledgeBase
    policy: RulePolicy
    forms: FormController | None
    understand: Callable[[list[str]], list[Understanding]] | None

    # Provided by DialogueManager.

    def _reply(self, session_id: str, decision: Decision, understood: Understanding,
               state: SessionState, text: str) -> BotResponse:
        raise NotImplementedError

    def _form_response(self, session_id: str, reply: FormReply,
                       understood: Understanding | None, state: SessionState) -> BotResponse:
        raise NotImplementedError

    def _decide(self, session_id: str, text: str, understood: Understanding,
                state: SessionState) -> BotResponse:
        raise NotImplementedError

    def _rescued(self, decision: Decision, understood: Understanding, text: str) -> Decision:
        raise NotImplementedError

    def _form_of(self, decision: Decision) -> Form | None:
        raise NotImplementedError

    def _in_form(self, session_id: str, text: str, understood: Understanding,
                 state: SessionState, forms: FormController) -> BotResponse | None:
        """A message while a form is open: an answer to its question first, then a way out
        (restart, a person), then a side question (answered, then the question again).
        None: the form has ended and the message is handled as any other."""
        form = self.kb.forms.get(state.active_form or "")
        if form is None:  # the KB changed under a running form
            state.end_form()
            return None
        if not understood.forced:  # a button press of another reply is never an answer
            side = self._question_first(session_id, text, understood, state, form)
            if side is not None:
                return side
            reply = forms.advance(state, text)
            if reply is None and LEAVE.search(text):
                reply = forms.cancel(state)
            if reply is not None and reply.action == "form_cancel":
                return self._left_form(session_id, text, reply, state)
            if reply is not None:
                return self._form_response(session_id, reply, None, state)
        decision = self.policy.decide(understood, state)
        if says_start_over(text) and decision.action != "handoff":
            # "hey can I start over" is a restart whatever the model made of the greeting.
            state.end_form()
            guessed = decision.intent if decision.action == "restart" else None
            return self._reply(session_id, Decision("restart", intent=guessed), understood,
                               state, text)
        if decision.action in ("restart", "handoff"):
            # A restart guess for a message the form could not read ends the form only when
            # it is explicit: a button, restart words, or a confident model.
            confidence = decision.intent.confidence if decision.intent else 0.0
            if (understood.forced or decision.action == "handoff" or asks_to_restart(text)
                    or confidence >= LEAVE_CONFIDENCE):
                state.end_form()
                return None
            return self._form_response(session_id, forms.missed(state), None, state)
        if not understood.forced:
            decision, understood = self._on_topic(text, decision, understood, state, form)
        other_form = self._form_of(decision)
        if other_form is not None and other_form.name != form.name:
            # A change of mind: the customer now asks for another form's task.
            state.end_form()
            return None
        side_question = (decision.action in ("answer_intent", "answer_faq")
                         and (decision.intent is None or decision.intent.name != form.intent))
        if not side_question or self._asked_again(decision, state):
            # out of scope, unclear, the form's own intent again, or the side answer just
            # given (an answer the form cannot read must not loop on one FAQ entry)
            return self._form_response(session_id, forms.missed(state), None, state)
        return self._side_answer(session_id, text, decision, understood, state)

    def _side_answer(self, session_id: str, text: str, decision: Decision,
                     understood: Understanding, state: SessionState) -> BotResponse:
        """Answer a side question, then ask the form's question again."""
        assert self.forms is not None
        forms = self.forms
        response = self._reply(session_id, decision, understood, state, text)
        reask = forms.reask(state)
        if reask:
            response = response.model_copy(update={
                "text": f"{response.text}\n\n{reask}",
                "buttons": [*response.buttons, *forms.reask_buttons(state)],
                "form": state.active_form,
            })
        return response

    def _left_form(self, session_id: str, text: str, cancelled: FormReply,
                   state: SessionState) -> BotResponse:
        """The form was stopped; what else the message asks ("never mind the loan, how much
        is the Plus plan?") is answered after saying so."""
        rest = CANCEL.sub(" ", LEAVE.sub(" ", text)).strip(" ,.;:!-")
        stopped = self._form_response(session_id, cancelled, None, state)
        if self.understand is None or words(rest) < 2:
            return stopped
        understood = self.understand([rest])[0]
        decision = self._rescued(self.policy.decide(understood, state), understood, rest)
        if decision.action not in ("answer_intent", "answer_faq", "handoff"):
            suggestions = [Button(title=h.entry.questions[0], payload=faq_payload(h.entry.id))
                           for h in understood.faq_hits
                           if h.score >= self.policy.config.clarify_min_faq_score][:3]
            if not suggestions:
                return stopped
            return stopped.model_copy(update={
                "text": f"{stopped.text}\n\nDid you mean one of these?", "buttons": suggestions})
        answer = self._decide(session_id, rest, understood, state)
        first = cancelled.text.split(". ")[0] + "."
        return answer.model_copy(update={"text": f"{first}\n\n{answer.text}"})

    def _question_first(self, session_id: str, text: str, understood: Understanding,
                        state: SessionState, form: Form) -> BotResponse | None:
        """A question that does not answer the one asked ("what happens if I miss a
        payment?" while the employer is asked) is answered before the form reads it as an
        answer: "one" and "monthly" in it are no answer about the employer."""
        if (not QUESTION.search(text) or self.forms is None or LEAVE.search(text)
                or CANCEL.search(text)):
            return None  # not a question, or one that leaves the form (handled as such)
        reading = self._side_reading(text, understood, state, form)
        if reading is None:
            return None
        decision, understood = reading
        requested = state.requested_slot
        answers_it = (bool(requested) and not WH_QUESTION.search(text)
                      and requested in fill_slots(form, text, requested).values)
        if answers_it and context.strength(decision) < SURE_SIDE_QUESTION:
            return None  # "is 3 years ok?" answers the question asked
        return self._side_answer(session_id, text, decision, understood, state)

    def _side_reading(self, text: str, understood: Understanding, state: SessionState,
                      form: Form) -> tuple[Decision, Understanding] | None:
        """What a question inside a form asks, if it is something to answer: the policy's
        reading (alone or with the form's subject), else the best FAQ entry that is not
        the form's own subject ("could my wife and I take the loan out together?")."""
        decision = self.policy.decide(understood, state)
        decision, understood = self._on_topic(text, decision, understood, state, form)
        if self._is_side_answer(decision, state, form):
            return decision, understood
        hits = [h for h in understood.faq_hits
                if h.entry.intent != form.intent and h.score >= SIDE_FAQ_SCORE]
        if hits:
            faq = Decision("answer_faq", faq=hits[0])
            if self._is_side_answer(faq, state, form):
                return faq, understood
        return None

    def _is_side_answer(self, decision: Decision, state: SessionState, form: Form) -> bool:
        return (decision.action in ("answer_intent", "answer_faq")
                and context.target_of(decision) not in SMALL_TALK
                and (decision.intent is None or decision.intent.name != form.intent)
                and self._form_of(decision) is None and not self._asked_again(decision, state))

    def _on_topic(self, text: str, decision: Decision, understood: Understanding,
                  state: SessionState, form: Form) -> tuple[Decision, Understanding]:
        """The message read with the form's subject, when that reads better: inside the loan
        check, "hang on, what's the APR?" asks about the loan's APR."""
        if self.understand is None:
            return decision, understood
        on_topic = self.understand([context.with_topic(form.title, text)])[0]
        reading = self.policy.decide(on_topic, state)
        if reading.action not in ("answer_intent", "answer_faq"):
            return decision, understood
        if (decision.action not in ("answer_intent", "answer_faq")
                or context.strength(reading) > context.strength(decision)):
            return reading, on_topic
        return decision, understood

    @staticmethod
    def _asked_again(decision: Decision, state: SessionState) -> bool:
        last = state.history[-1].response_id if state.history else None
        target = context.target_of(decision)
        return last is not None and target is not None and last in (
            target, f"faq:{decision.faq.entry.id}" if decision.faq else None,
            f"faq:{target}")
