"""The dialogue manager: load the session, ask the policy, render the reply, store the turn."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.dialogue.forms import LEAVE_CONFIDENCE, FormController, FormReply
from bot.dialogue.policy import Decision, RulePolicy, Understanding
from bot.dialogue.slots import asks_to_restart
from bot.dialogue.state import SessionState, Turn
from bot.dialogue.store import SessionStore
from bot.errors import SessionNotFound
from bot.kb import KnowledgeBase
from bot.kb import Response as KbResponse
from bot.payloads import format_target
from bot.privacy import redact
from bot.response import SLOTS_FILLED, BotResponse, Button, IntentInfo, Source

# What the bot says when the KB has no response with these ids.
DEFAULT_SYSTEM_TEXT = {
    "utter_fallback": "Sorry, I didn't understand that. Could you rephrase your question?",
    "utter_out_of_scope": "Sorry, I can only help with questions about {bank_name}.",
    "utter_clarify": "Did you mean one of these?",
    "utter_offer_human": "I'm having trouble understanding. Would you like to talk to a person?",
    "utter_restart": "Let's start over. How can I help?",
    "utter_human_handoff": "I'll pass you to a member of our team.",
}
ACTION_RESPONSE_ID = {
    "fallback": "utter_fallback",
    "out_of_scope": "utter_out_of_scope",
    "clarify": "utter_clarify",
    "offer_human": "utter_offer_human",
    "restart": "utter_restart",
    "handoff": "utter_human_handoff",
}
FAILURES = {"fallback", "out_of_scope", "offer_human"}
# Turns a person should look at (the review queue), by the action the bot took.
REVIEW_REASON_BY_ACTION = {
    "fallback": "fallback", "out_of_scope": "out_of_scope", "clarify": "low_confidence",
    "offer_human": "handoff", "handoff": "handoff",
}
SUCCESSES = {"answer_intent", "answer_faq", "handoff", "restart"}


class DialogueManager:
    def __init__(
        self, kb: KnowledgeBase, policy: RulePolicy, store: SessionStore,
        redactor: Callable[[str], str] = redact, forms: FormController | None = None,
        review_below: float = 0.5,
    ) -> None:
        self.kb = kb
        self.policy = policy
        self.store = store
        self.redactor = redactor
        self.forms = forms
        self.review_below = review_below

    def respond(
        self, session_id: str, text: str, understood: Understanding,
        started: float | None = None, *, owner: str | None = None, create: bool = True,
    ) -> BotResponse:
        """Decide, reply and store one turn. Turns of one session run one at a time, in order.

        The session must belong to `owner`; an unknown session is created for it when
        `create` is true. Otherwise SessionNotFound (the same error either way, so that
        one owner cannot probe for another's session ids)."""
        started = time.perf_counter() if started is None else started
        with self.store.locked(session_id) as held:
            if (held.info is None and not create) or (
                    held.info is not None and held.info.owner != owner):
                raise SessionNotFound(session_id)
            state = held.state or SessionState(session_id)
            response = self._respond(session_id, text, understood, state)
            response.latency_ms = round((time.perf_counter() - started) * 1000, 2)
            response.turn = state.turn_count + 1
            turn = Turn(
                seq=state.turn_count + 1,
                user_text=self.redactor(text),
                bot_text=self.redactor(response.text),
                action=response.action,
                intent=response.intent.name if response.intent else None,
                confidence=response.intent.confidence if response.intent else None,
                response_id=response.response_id,
                sources=[s.faq_id for s in response.sources],
                latency_ms=response.latency_ms,
            )
            state.add_turn(turn)
            held.save(state, turn, owner, self._review_reason(turn, understood))
        return response

    def _review_reason(self, turn: Turn, understood: Understanding) -> str | None:
        """Why a person should look at this turn, if they should (see the review queue)."""
        if understood.forced:  # a button press: the customer chose, nothing to learn
            return None
        reason = REVIEW_REASON_BY_ACTION.get(turn.action)
        if reason is None and turn.confidence is not None and turn.confidence < self.review_below:
            reason = "low_confidence"
        return reason

    def _respond(self, session_id: str, text: str, understood: Understanding,
                 state: SessionState) -> BotResponse:
        """Forms first (a button that starts one, or the active one), then the policy."""
        forms = self.forms
        if forms is not None:
            form = forms.form_for_payload(text)
            if form is not None:
                return self._form_response(session_id, forms.start(state, form, text),
                                           understood, state)
            if state.active_form is not None:
                response = self._in_form(session_id, text, understood, state, forms)
                if response is not None:
                    return response
        decision = self.policy.decide(understood, state)
        if (forms is not None and decision.action == "answer_intent" and decision.intent
                and decision.intent.name in self.kb.form_by_intent):
            form = self.kb.form_by_intent[decision.intent.name]
            return self._form_response(session_id, forms.start(state, form, text),
                                       understood, state)
        return self._reply(session_id, decision, understood, state)

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
            reply = forms.advance(state, text)
            if reply is not None:
                return self._form_response(session_id, reply, None, state)
        decision = self.policy.decide(understood, state)
        if decision.action in ("restart", "handoff"):
            # A restart guess for a message the form could not read ends the form only when
            # it is explicit: a button, restart words, or a confident model.
            confidence = decision.intent.confidence if decision.intent else 0.0
            if (understood.forced or decision.action == "handoff" or asks_to_restart(text)
                    or confidence >= LEAVE_CONFIDENCE):
                state.end_form()
                return None
            return self._form_response(session_id, forms.missed(state), None, state)
        side_question = (decision.action in ("answer_intent", "answer_faq")
                         and (decision.intent is None or decision.intent.name != form.intent))
        if not side_question:  # out of scope, unclear, or the form's own intent again
            return self._form_response(session_id, forms.missed(state), None, state)
        response = self._reply(session_id, decision, understood, state)
        reask = forms.reask(state)
        if reask:
            response = response.model_copy(update={
                "text": f"{response.text}\n\n{reask}",
                "buttons": [*response.buttons, *forms.reask_buttons(state)],
                "form": state.active_form,
            })
        return response

    def _reply(self, session_id: str, decision: Decision, understood: Understanding,
               state: SessionState) -> BotResponse:
        response = self._render(session_id, decision, understood, state)
        self._update(state, decision)
        return response

    def _form_response(self, session_id: str, reply: FormReply,
                       understood: Understanding | None, state: SessionState) -> BotResponse:
        """A form's reply. `understood` is the intent that started the form, if one did; a
        message read as an answer to the form has no intent (its filled slots are in
        `data`), so it is neither shown nor counted as one."""
        state.fallback_count = 0
        top = understood.prediction.top if understood is not None else None
        data = dict(reply.data)
        if reply.slots_filled:
            data[SLOTS_FILLED] = reply.slots_filled
        return BotResponse(
            session_id=session_id, text=self.kb.render(reply.text), buttons=reply.buttons,
            action=reply.action, response_id=format_target("form", reply.form),
            intent=IntentInfo(name=top.name, confidence=top.confidence) if top else None,
            intent_ranking=[IntentInfo(name=s.name, confidence=s.confidence)
                            for s in understood.prediction.ranking] if understood else [],
            data=data, images=reply.images, form=reply.form,
        )

    # -- rendering ------------------------------------------------------------------------

    def _variant(self, response: KbResponse, state: SessionState) -> str:
        return self.kb.render(response.text[state.turn_count % len(response.text)])

    def _system(self, response_id: str, state: SessionState) -> tuple[str, list[Button]]:
        response = self.kb.responses.get(response_id)
        if response is None:
            return self.kb.render(DEFAULT_SYSTEM_TEXT[response_id]), []
        buttons = [Button(title=b.title, payload=b.payload) for b in response.buttons]
        return self._variant(response, state), buttons

    def _render(
        self, session_id: str, decision: Decision, understood: Understanding, state: SessionState
    ) -> BotResponse:
        intent = (
            IntentInfo(name=decision.intent.name, confidence=decision.intent.confidence)
            if decision.intent else None
        )
        base = BotResponse(
            session_id=session_id, text="", action=decision.action, intent=intent,
            intent_ranking=[IntentInfo(name=s.name, confidence=s.confidence)
                            for s in understood.prediction.ranking],
            out_of_scope=decision.action == "out_of_scope",
        )
        if decision.action == "answer_intent" and decision.intent is not None:
            name = decision.intent.name
            kb_response = self.kb.response_by_intent.get(name)
            if kb_response is not None:
                return base.model_copy(update={
                    "text": self._variant(kb_response, state),
                    "response_id": kb_response.id,
                    "buttons": [Button(title=b.title, payload=b.payload)
                                for b in kb_response.buttons],
                })
            entry = self.kb.faq_by_intent[name]
            score = next((h.score for h in understood.faq_hits if h.entry.id == entry.id), None)
            return base.model_copy(update={
                "text": self.kb.render(entry.answer),
                "response_id": format_target("faq", entry.id),
                "sources": [Source(faq_id=entry.id, question=entry.questions[0],
                                   category=entry.category, score=score)],
            })
        if decision.action == "answer_faq" and decision.faq is not None:
            entry = decision.faq.entry
            return base.model_copy(update={
                "text": self.kb.render(entry.answer),
                "response_id": format_target("faq", entry.id),
                "sources": [Source(faq_id=entry.id, question=entry.questions[0],
                                   category=entry.category, score=round(decision.faq.score, 4))],
            })
        response_id = ACTION_RESPONSE_ID[decision.action]
        text, buttons = self._system(response_id, state)
        if decision.candidates:
            buttons = [Button(title=c.title, payload=c.payload) for c in decision.candidates]
        return base.model_copy(
            update={"text": text, "buttons": buttons, "response_id": response_id}
        )

    def _update(self, state: SessionState, decision: Decision) -> None:
        if decision.action == "restart":
            state.reset()
        elif decision.action in FAILURES:
            state.fallback_count += 1
        elif decision.action in SUCCESSES:
            state.fallback_count = 0
        if decision.action == "handoff":
            state.handed_off = True
        if decision.intent is not None and decision.action != "restart":
            state.last_intent = decision.intent.name
