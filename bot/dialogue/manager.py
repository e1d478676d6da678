"""The dialogue manager: load the session, ask the policy, render the reply, store the turn."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.dialogue.forms import FormController, FormReply
from bot.dialogue.policy import Decision, RulePolicy, Understanding
from bot.dialogue.state import SessionState, Turn
from bot.dialogue.store import SessionStore
from bot.errors import SessionNotFound
from bot.kb import KnowledgeBase
from bot.kb import Response as KbResponse
from bot.payloads import format_target
from bot.privacy import redact
from bot.response import BotResponse, Button, IntentInfo, Source

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
        decision = self.policy.decide(understood, state)
        if forms is not None and state.active_form is not None:
            if decision.action in ("restart", "handoff"):
                state.end_form()
            else:
                form_intent = self.kb.forms[state.active_form].intent \
                    if state.active_form in self.kb.forms else None
                other_topic = (
                    decision.action in ("answer_intent", "answer_faq", "out_of_scope")
                    and (decision.intent is None or decision.intent.name != form_intent)
                    and not understood.forced
                )
                reply = forms.advance(state, text, other_topic)
                if reply is not None:
                    return self._form_response(session_id, reply, understood, state)
                # Another question inside the form: answer it, then ask the form's question.
                response = self._render(session_id, decision, understood, state)
                self._update(state, decision)
                reask = forms.reask(state)
                if reask:
                    response = response.model_copy(update={
                        "text": f"{response.text}\n\n{reask}",
                        "buttons": [*response.buttons, *forms.reask_buttons(state)],
                        "form": state.active_form,
                    })
                return response
        if (forms is not None and decision.action == "answer_intent" and decision.intent
                and decision.intent.name in self.kb.form_by_intent):
            form = self.kb.form_by_intent[decision.intent.name]
            return self._form_response(session_id, forms.start(state, form, text),
                                       understood, state)
        response = self._render(session_id, decision, understood, state)
        self._update(state, decision)
        return response

    def _form_response(self, session_id: str, reply: FormReply, understood: Understanding,
                       state: SessionState) -> BotResponse:
        state.fallback_count = 0
        top = understood.prediction.top
        return BotResponse(
            session_id=session_id, text=self.kb.render(reply.text), buttons=reply.buttons,
            action=reply.action, response_id=format_target("form", reply.form),
            intent=IntentInfo(name=top.name, confidence=top.confidence) if top else None,
            intent_ranking=[IntentInfo(name=s.name, confidence=s.confidence)
                            for s in understood.prediction.ranking],
            data=reply.data, images=reply.images, form=reply.form,
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
