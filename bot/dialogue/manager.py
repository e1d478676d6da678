"""The dialogue manager: load the session, ask the policy, render the reply, store the turn."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.dialogue import context, offers
from bot.dialogue.forms import CANCEL, LEAVE, LEAVE_CONFIDENCE, FormController, FormReply
from bot.dialogue.parts import PARTS, SMALL_TALK, MessagePart, several_requests
from bot.dialogue.policy import (
    HANDOFF_INTENT,
    Decision,
    RulePolicy,
    Understanding,
    payload_understanding,
)
from bot.dialogue.slots import asks_to_restart, fill_slots, says_start_over
from bot.dialogue.state import SessionState, Turn
from bot.dialogue.store import SessionStore
from bot.errors import SessionNotFound
from bot.kb import Form, KnowledgeBase, Offer
from bot.kb import Response as KbResponse
from bot.nlu.segments import candidate_parts, strip_courtesies, words
from bot.nlu.types import IntentPrediction
from bot.payloads import format_target, intent_payload
from bot.privacy import personal_data_like, redact, redact_reply
from bot.response import SLOTS_FILLED, BotResponse, Button, IntentInfo, Source

# What the bot says when the KB has no response with these ids.
DEFAULT_SYSTEM_TEXT = {
    "utter_fallback": "Sorry, I didn't understand that. Could you rephrase your question?",
    "utter_out_of_scope": "Sorry, I can only help with questions about {bank_name}.",
    "utter_clarify": "Did you mean one of these?",
    "utter_offer_human": "I'm having trouble understanding. Would you like to talk to a person?",
    "utter_restart": "Let's start over. How can I help?",
    "utter_human_handoff": "I'll pass you to a member of our team.",
    "utter_offer_declined": "No problem. Is there anything else I can help with?",
    "utter_which_first": "I can help with both. Which would you like to do first?",
    "utter_ack_greet": "Hello!",
}
ACTION_RESPONSE_ID = {
    "fallback": "utter_fallback",
    "out_of_scope": "utter_out_of_scope",
    "clarify": "utter_clarify",
    "offer_human": "utter_offer_human",
    "restart": "utter_restart",
    "handoff": "utter_human_handoff",
}
# How sure the model must be that a message flagged out of scope asks for a person.
RESCUE_HANDOFF_CONFIDENCE = 0.85
# Replies that count towards offering a person. A question outside banking counts, but it
# keeps its polite out-of-scope reply, with the offer's buttons once the count is reached.
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
        understand: Callable[[list[str]], list[Understanding]] | None = None,
    ) -> None:
        self.kb = kb
        self.policy = policy
        self.store = store
        self.redactor = redactor
        self.forms = forms
        self.review_below = review_below
        # The bank's own numbers and addresses in its answers stay readable in the stored
        # replies; only what the customer wrote is masked.
        self.published = sorted({span for text in kb.reply_texts()
                                 for span in personal_data_like(text)})
        # Understands further texts (a message's parts, a follow-up in context); the
        # assistant sets it. Without it each message is read whole, on its own.
        self.understand = understand

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
                bot_text=redact_reply(response.text, self.published, self.redactor),
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
        """Forms first (a button that starts one, or the active one), then the answer to an
        open offer, then the parts of the message, then a follow-up in context, then the
        policy on the whole message."""
        offer, offer_title = state.pending_offer, state.pending_offer_title
        state.clear_offer()  # an offer is open for one turn
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
        answer = offers.read_yes_no(text, understood)
        if offer is not None and answer is True:
            return self._accept_offer(session_id, offer, offer_title or offer, state)
        if offer is not None and answer is False:
            return self._decline_offer(session_id, offer, understood, state)
        if not understood.forced and self.understand is not None and answer is None:
            response = self._respond_in_parts(session_id, text, understood, state)
            if response is not None:
                return response
            understood, topic = self._in_context(text, understood, state)
            if topic is not None:
                combined = context.with_topic(topic.text, text)
                response = self._decide(session_id, combined, understood, state)
                return response.model_copy(update={"data": {
                    **response.data, context.CONTEXT: {"topic": topic.target,
                                                       "from_text": topic.text}}})
        return self._decide(session_id, text, understood, state)

    def _decide(self, session_id: str, text: str, understood: Understanding,
                state: SessionState) -> BotResponse:
        """The policy's decision for one understood text; an intent that starts a form
        starts it."""
        decision = self._rescued(self.policy.decide(understood, state), understood, text)
        form = self._form_of(decision)
        if form is not None and self.forms is not None:
            return self._form_response(session_id, self.forms.start(state, form, text),
                                       understood, state)
        return self._reply(session_id, decision, understood, state, text)

    def _rescued(self, decision: Decision, understood: Understanding, text: str) -> Decision:
        """An "out of scope" message that is plainly a request after all: the model is sure
        the customer wants a person ("I want to speak to a manager right now"), or the
        message answers two or more of the questions of the form its intent starts ("I want
        5000 over 3 years for a car")."""
        top = understood.prediction.top
        if decision.action != "out_of_scope" or top is None:
            return decision
        if top.name == HANDOFF_INTENT and top.confidence >= RESCUE_HANDOFF_CONFIDENCE:
            return Decision("handoff", intent=top)
        form = self.kb.form_by_intent.get(top.name) if self.forms is not None else None
        if (form is not None and top.confidence >= self.policy.config.intent_threshold
                and len(fill_slots(form, text, None).values) >= 2):
            return Decision("answer_intent", intent=top)
        return decision

    def _form_of(self, decision: Decision) -> Form | None:
        if (self.forms is not None and decision.action == "answer_intent"
                and decision.intent is not None):
            return self.kb.form_by_intent.get(decision.intent.name)
        return None

    # -- offers -----------------------------------------------------------------------------

    def _accept_offer(self, session_id: str, payload: str, title: str,
                      state: SessionState) -> BotResponse:
        """A yes to the last offer: do what it proposed, as if its button was pressed."""
        understood = payload_understanding(self.kb, payload)
        if understood is None:  # the KB changed and the offer's target is gone
            return self._decide(session_id, payload, Understanding(
                IntentPrediction([]), []), state)
        response = self._respond(session_id, payload, understood, state)
        return response.model_copy(update={"data": {
            **response.data, offers.OFFER_ACCEPTED: {"payload": payload, "title": title}}})

    def _decline_offer(self, session_id: str, payload: str, understood: Understanding,
                       state: SessionState) -> BotResponse:
        text, buttons = self._system("utter_offer_declined", state)
        top = understood.prediction.top
        return BotResponse(
            session_id=session_id, text=text, buttons=buttons, action="answer_intent",
            response_id="utter_offer_declined",
            intent=IntentInfo(name=top.name, confidence=top.confidence) if top else None,
            data={offers.OFFER_DECLINED: {"payload": payload}})

    # -- messages of several parts, follow-ups ------------------------------------------------

    def _respond_in_parts(self, session_id: str, text: str, understood: Understanding,
                          state: SessionState) -> BotResponse | None:
        """A greeting or thanks around a request, or several requests in one message. None:
        the message is one request (or none), read whole."""
        assert self.understand is not None
        core, greeted, _ = strip_courtesies(text)
        texts = candidate_parts(text)
        if len(texts) == 1 and core == text.strip():
            return None
        readings = self.understand(texts)
        parts = [MessagePart(t, u, self.policy.decide(u, state))
                 for t, u in zip(texts, readings, strict=True)]
        requests = several_requests(parts)
        if len(requests) >= 2:
            return self._several(session_id, requests, understood, state)
        whole = self.policy.decide(understood, state)
        if not requests and greeted and len(parts) == 1:
            # "hi, how are you?": the small talk after the greeting is what needs an answer.
            target = context.target_of(parts[0].decision)
            if target in SMALL_TALK and target != context.target_of(whole):
                return self._decide(session_id, parts[0].text, parts[0].understood, state)
            return None
        if len(requests) == 1 and (context.target_of(whole) is None
                                   or context.target_of(whole) in SMALL_TALK
                                   or requests[0].decision.action == "handoff"
                                   or greeted):
            part = requests[0]
            response = self._decide(session_id, part.text, part.understood, state)
            if greeted:
                hello, _ = self._system("utter_ack_greet", state)
                response = response.model_copy(update={"text": f"{hello} {response.text}"})
            return response
        return None

    def _several(self, session_id: str, requests: list[MessagePart], understood: Understanding,
                 state: SessionState) -> BotResponse:
        """Two or more requests: answer each question; start the one form (after the
        answers), or ask which form first when there are several."""
        forms = [p for p in requests if self._form_of(p.decision) is not None]
        done = [(p, self._reply(session_id, p.decision, p.understood, state, p.text))
                for p in requests if self._form_of(p.decision) is None]
        if len(forms) == 1:
            part = forms[0]
            done.append((part, self._decide(session_id, part.text, part.understood, state)))
        elif forms:
            ask, _ = self._system("utter_which_first", state)
            which = BotResponse(
                session_id=session_id, text=ask, action="clarify", response_id="utter_which_first",
                buttons=[Button(title=self.kb.intent_title(p.decision.intent.name),
                                payload=intent_payload(p.decision.intent.name))
                         for p in forms if p.decision.intent is not None])
            done += [(p, which) for p in forms]
        replies = list(dict.fromkeys(id(r) for _, r in done))  # the which-first reply once
        by_id = {id(r): r for _, r in done}
        texts = [by_id[i] for i in replies]
        main = texts[-1] if forms else texts[0]
        return main.model_copy(update={
            "text": "\n\n".join(r.text for r in texts),
            "buttons": [b for r in texts for b in r.buttons],
            "sources": [s for r in texts for s in r.sources],
            "data": {**main.data, PARTS: [
                {"text": self.redactor(p.text), "action": r.action,
                 "intent": (r.intent.name if r.intent else None), "response_id": r.response_id}
                for p, r in done]},
        })

    def _in_context(self, text: str, understood: Understanding, state: SessionState,
                    ) -> tuple[Understanding, context.Topic | None]:
        """A short follow-up read together with the words behind the last answer, when that
        reading is the better one."""
        topic = context.topic_for(state)
        if topic is None or not context.looks_like_followup(text):
            return understood, None
        assert self.understand is not None
        combined = self.understand([context.with_topic(topic.text, text)])[0]
        alone = self.policy.decide(understood, state)
        if context.prefer_in_context(text, alone, self.policy.decide(combined, state),
                                     topic.target):
            return combined, topic
        return understood, None

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
        if (decision.action in ("clarify", "fallback", "out_of_scope") and not understood.forced
                and self.understand is not None):
            # An unclear side question is read with the form's subject: inside the loan
            # check, "hang on, what's the APR?" asks about the loan's APR.
            on_topic = self.understand([context.with_topic(form.title, text)])[0]
            reading = self.policy.decide(on_topic, state)
            if reading.action in ("answer_intent", "answer_faq"):
                decision, understood = reading, on_topic
        other_form = self._form_of(decision)
        if other_form is not None and other_form.name != form.name:
            # A change of mind: the customer now asks for another form's task.
            state.end_form()
            return None
        side_question = (decision.action in ("answer_intent", "answer_faq")
                         and (decision.intent is None or decision.intent.name != form.intent))
        if not side_question:  # out of scope, unclear, or the form's own intent again
            return self._form_response(session_id, forms.missed(state), None, state)
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
            return stopped
        answer = self._decide(session_id, rest, understood, state)
        first = cancelled.text.split(". ")[0] + "."
        return answer.model_copy(update={"text": f"{first}\n\n{answer.text}"})

    def _reply(self, session_id: str, decision: Decision, understood: Understanding,
               state: SessionState, text: str) -> BotResponse:
        response = self._render(session_id, decision, understood, state)
        offer = self._offer_of(decision) if state.active_form is None else None
        if offer is not None:
            response = response.model_copy(update={
                "text": offers.offer_text(response.text, offer),
                "buttons": [*response.buttons, *offers.offer_buttons(offer)],
                "data": {**response.data, offers.OFFER: offers.offer_data(offer)},
            })
            state.pending_offer, state.pending_offer_title = offer.payload, offer.ask
        self._update(state, decision, text)
        return response

    def _offer_of(self, decision: Decision) -> Offer | None:
        """The next step the answer proposes, if its KB entry has one."""
        if decision.action == "answer_faq" and decision.faq is not None:
            return decision.faq.entry.offer
        if decision.action == "answer_intent" and decision.intent is not None:
            name = decision.intent.name
            response = self.kb.response_by_intent.get(name)
            entry = self.kb.faq_by_intent.get(name)
            return response.offer if response is not None else entry.offer if entry else None
        return None

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
            entry = self.kb.faq_by_intent.get(name)
            if entry is None:  # an intent with nothing to say (a form's, outside its form)
                text, buttons = self._system("utter_fallback", state)
                return base.model_copy(update={"text": text, "buttons": buttons,
                                               "action": "fallback",
                                               "response_id": "utter_fallback"})
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
        if (decision.action == "out_of_scope"
                and state.fallback_count + 1 >= self.policy.config.fallbacks_before_human):
            buttons = [*buttons, *self._system("utter_offer_human", state)[1]]
        return base.model_copy(
            update={"text": text, "buttons": buttons, "response_id": response_id}
        )

    def _update(self, state: SessionState, decision: Decision, text: str) -> None:
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
        target = context.target_of(decision)
        if decision.action in context.TOPIC_ACTIONS and target and target not in SMALL_TALK:
            # The subject a follow-up may refer to: the answer's FAQ tags ("transfer, sepa,
            # swift") name it without the question's own words ("how long"); else the
            # customer's words. A follow-up read in context keeps the topic it came from.
            if target != state.topic_target or not state.topic_text:
                entry = (decision.faq.entry if decision.faq is not None
                         else self.kb.faq_by_intent.get(decision.intent.name)
                         if decision.intent is not None else None)
                state.topic_text = (", ".join(entry.tags) if entry is not None and entry.tags
                                    else self.redactor(text))
            state.topic_target, state.topic_turn = target, state.turn_count + 1
