"""The dialogue manager: load the session, decide what the message asks for (an open form's
answer, a yes to an offer, several requests, a follow-up, or one request for the policy),
have the reply rendered (bot.dialogue.render), store the turn."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from bot.dialogue import context, offers
from bot.dialogue.followups import FollowUpTurns
from bot.dialogue.form_turns import FormTurns
from bot.dialogue.forms import FormController, FormReply
from bot.dialogue.part_turns import PartTurns
from bot.dialogue.parts import (
    MENU,
    SMALL_TALK,
)
from bot.dialogue.person_requests import ASKS_FOR_SOMEONE, WANTS_A_PERSON
from bot.dialogue.policy import (
    HANDOFF_INTENT,
    Decision,
    RulePolicy,
    Understanding,
    payload_understanding,
)
from bot.dialogue.render import DocumentSupport, ReplyRenderer
from bot.dialogue.slots import fill_slots
from bot.dialogue.state import SessionState, Turn
from bot.dialogue.store import SessionStore
from bot.errors import SessionNotFound
from bot.kb import Form, KnowledgeBase
from bot.messages import speaking
from bot.nlu.segments import (
    words,
)
from bot.nlu.types import IntentPrediction, IntentScore
from bot.privacy import personal_data_like, redact, redact_reply
from bot.response import BotResponse, IntentInfo

# How sure the model must be that a message flagged out of scope asks for a person.
RESCUE_HANDOFF_CONFIDENCE = 0.85
# A request this short is vague unless the model is sure of it ("card").
VAGUE_WORDS = 1
# A form among this many of the likeliest intents starts when the message answers its questions.
RESCUE_FORM_RANK = 3
# Below this confidence a form read first yields to another likely form whose questions the
# message answers better.
FORM_SURE_CONFIDENCE = 0.8
# Replies that count towards offering a person. A question outside banking counts, but it
# keeps its polite out-of-scope reply, with the offer's buttons once the count is reached.
FAILURES = {"fallback", "out_of_scope", "offer_human"}
# Turns a person should look at (the review queue), by the action the bot took.
REVIEW_REASON_BY_ACTION = {
    "fallback": "fallback", "out_of_scope": "out_of_scope", "clarify": "low_confidence",
    "offer_human": "handoff", "handoff": "handoff",
}
SUCCESSES = {"answer_intent", "answer_faq", "answer_passage", "handoff", "restart"}


def started_by(understood: Understanding, decision: Decision) -> Understanding:
    """The understanding a form start reports ("Why this answer?"): the decision's intent
    first, also when the form was started by another reading than the model's first (a
    rescue, or the whole message's second reading of one of its parts)."""
    chosen, ranking = decision.intent, understood.prediction.ranking
    if chosen is None or (ranking and ranking[0].name == chosen.name):
        return understood
    rest = [score for score in ranking if score.name != chosen.name]
    return replace(understood, prediction=replace(understood.prediction,
                                                  ranking=[chosen, *rest]))


class DialogueManager(FormTurns, PartTurns, FollowUpTurns):
    def __init__(
        self, kb: KnowledgeBase, policy: RulePolicy, store: SessionStore,
        redactor: Callable[[str], str] = redact, forms: FormController | None = None,
        review_below: float = 0.5,
        understand: Callable[[list[str]], list[Understanding]] | None = None,
        document_support: DocumentSupport | None = None,
    ) -> None:
        self.kb = kb
        self.policy = policy
        self.store = store
        self.redactor = redactor
        self.forms = forms
        self.review_below = review_below
        self.renderer = ReplyRenderer(kb, policy.config.fallbacks_before_human,
                                      document_support)
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

        def decide(state: SessionState) -> BotResponse:
            with speaking(self.kb.messages):
                return self._respond(session_id, text, understood, state)

        return self._turn(session_id, text, decide, self.kb.language, started, owner, create,
                          lambda turn: self._review_reason(turn, understood))

    def record(
        self, session_id: str, text: str, response: BotResponse, language: str,
        started: float | None = None, *, owner: str | None = None, create: bool = True,
    ) -> BotResponse:
        """Store a turn whose reply was decided outside the dialogue, in `language` (the
        assistant's reply while that language's model is still training), with the same
        session checks as `respond`."""
        return self._turn(session_id, text, lambda state: response, language, started, owner,
                          create, lambda turn: None)

    def _turn(
        self, session_id: str, text: str, decide: Callable[[SessionState], BotResponse],
        language: str, started: float | None, owner: str | None, create: bool,
        review_reason: Callable[[Turn], str | None],
    ) -> BotResponse:
        started = time.perf_counter() if started is None else started
        with self.store.locked(session_id) as held:
            if (held.info is None and not create) or (
                    held.info is not None and held.info.owner != owner):
                raise SessionNotFound(session_id)
            state = held.state or SessionState(session_id)
            state.language = language
            response = decide(state)
            response.latency_ms = round((time.perf_counter() - started) * 1000, 2)
            response.turn = state.turn_count + 1
            response.language = language
            turn = Turn(
                seq=state.turn_count + 1,
                user_text=self.redactor(text),
                bot_text=redact_reply(response.text, self.published, self.redactor),
                action=response.action,
                intent=response.intent.name if response.intent else None,
                confidence=response.intent.confidence if response.intent else None,
                response_id=response.response_id,
                sources=[s.key for s in response.sources],
                latency_ms=response.latency_ms,
            )
            state.add_turn(turn)
            held.save(state, turn, owner, review_reason(turn))
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
            # "and in pounds? might do london after" asks the last question again: one
            # request with a remark, read in context, not two parts
            detail = context.changes_a_detail(text) and context.topic_for(state) is not None
            response = (None if detail
                        else self._respond_in_parts(session_id, text, understood, state))
            if response is not None:
                return response
            understood, topic = self._in_context(text, understood, state)
            if topic is not None:
                words = topic.words_for(text)
                combined = context.with_topic(words, text)
                response = self._decide(session_id, combined, understood, state)
                return response.model_copy(update={"data": {
                    **response.data, context.CONTEXT: {"topic": topic.target,
                                                       "from_text": words}}})
        return self._decide(session_id, text, understood, state)

    def _decide(self, session_id: str, text: str, understood: Understanding,
                state: SessionState) -> BotResponse:
        """The policy's decision for one understood text; an intent that starts a form
        starts it."""
        decision = self._rescued(self.policy.decide(understood, state), understood, text)
        decision = self._asked_if_vague(decision, understood, text)
        return self._act(session_id, decision, understood, state, text)

    def _act(self, session_id: str, decision: Decision, understood: Understanding,
             state: SessionState, text: str) -> BotResponse:
        """Carry a decision out: start the form its intent starts, else reply."""
        form = self._form_of(decision)
        if form is not None and self.forms is not None:
            return self._form_response(session_id, self.forms.start(state, form, text),
                                       started_by(understood, decision), state)
        return self._reply(session_id, decision, understood, state, text)

    def _form_it_answers(self, understood: Understanding, text: str, at_least: int,
                         other_than: Form | None = None,
                         min_confidence: float = 0.0) -> Decision | None:
        """The likeliest intent (of the first RESCUE_FORM_RANK, read at `min_confidence` or
        more) whose form, other than `other_than`, the message answers `at_least` questions
        of: that form is what the customer asks for."""
        if self.forms is None:
            return None
        for score in understood.prediction.ranking[:RESCUE_FORM_RANK]:
            form = self.kb.form_by_intent.get(score.name)
            if (form is None or score.confidence < min_confidence
                    or (other_than is not None and form.name == other_than.name)):
                continue
            if len(fill_slots(form, text, None).values) >= at_least:
                return Decision("answer_intent", intent=score)
        return None

    def _better_form(self, decision: Decision, understood: Understanding,
                     text: str) -> Decision | None:
        """"I want 10000 over 4 years for my business", read unsurely as the portfolio
        advice: another likely form whose questions the message answers (two or more, and
        more than the form read first) is the one the customer asks for."""
        intent = decision.intent
        first = self._form_of(decision) if decision.action == "answer_intent" else None
        if first is None or intent is None or intent.confidence >= FORM_SURE_CONFIDENCE:
            return None
        answered = len(fill_slots(first, text, None).values)
        return self._form_it_answers(understood, text, max(2, answered + 1), other_than=first,
                                     min_confidence=self.policy.config.clarify_min_confidence)

    def _rescued(self, decision: Decision, understood: Understanding, text: str) -> Decision:
        """A message the policy could not place (or took for off-topic) that is plainly a
        request after all: the customer wants a person, and the model is sure ("I want to
        speak to a manager right now") or the message asks for one in so many words
        (`WANTS_A_PERSON`), however the model ranks it; or the message answers two or more
        of the questions of a form one of its likely intents starts ("I want 10000 over 4
        years for my business"), also when the model read it as a request for the help menu
        ("a used Golf, 6k over three years, can you help?")."""
        top = understood.prediction.top
        better_form = self._better_form(decision, understood, text)
        if better_form is not None:
            return better_form
        menu = decision.action == "answer_intent" and context.target_of(decision) in MENU
        if ((decision.action not in ("out_of_scope", "fallback", "clarify", "offer_human")
             and not menu)
                or top is None):
            return decision
        if top.name == HANDOFF_INTENT and top.confidence >= RESCUE_HANDOFF_CONFIDENCE and (
                ASKS_FOR_SOMEONE.search(text)):
            return Decision("handoff", intent=top)
        if not menu and HANDOFF_INTENT in self.kb.intents and WANTS_A_PERSON.search(text):
            # asked in so many words, and the model places the message nowhere, whether or
            # not it ranks the handoff first ("Could I speak to someone about it please?")
            handoff = next((s for s in understood.prediction.ranking
                            if s.name == HANDOFF_INTENT), IntentScore(HANDOFF_INTENT, 0.0))
            return Decision("handoff", intent=handoff)
        return self._form_it_answers(understood, text, at_least=2) or decision

    def _asked_if_vague(self, decision: Decision, understood: Understanding,
                        text: str) -> Decision:
        """A one-word request ("card", "transfer") names an area, not what the customer
        wants: unless the model is sure, ask which of the likely things it is. A word that
        names a tool ("loan") starts it: the form says what it is and can be cancelled."""
        top = decision.intent
        if (decision.action != "answer_intent" or top is None or understood.forced
                or words(text) > VAGUE_WORDS
                or top.confidence >= self.policy.config.intent_sure_threshold
                or top.name in SMALL_TALK or top.name in MENU
                or self._form_of(decision) is not None):
            return decision
        candidates = self.policy.candidates(understood)
        return Decision("clarify", intent=top, candidates=candidates) if candidates else decision

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
        text, buttons = self.renderer.system("utter_offer_declined", state)
        top = understood.prediction.top
        return BotResponse(
            session_id=session_id, text=text, buttons=buttons, action="answer_intent",
            response_id="utter_offer_declined",
            intent=IntentInfo(name=top.name, confidence=top.confidence) if top else None,
            data={offers.OFFER_DECLINED: {"payload": payload}})

    # -- follow-ups ---------------------------------------------------------------------------

    def _reply(self, session_id: str, decision: Decision, understood: Understanding,
               state: SessionState, text: str) -> BotResponse:
        response = self.renderer.render(session_id, decision, understood, state)
        if response.action != decision.action:  # the KB had nothing to say: a fallback
            decision = Decision(response.action)
        offer = self.renderer.offer_of(decision) if state.active_form is None else None
        if offer is not None:
            response = response.model_copy(update={
                "text": offers.offer_text(response.text, offer),
                "buttons": [*response.buttons, *offers.offer_buttons(offer)],
                "data": {**response.data, offers.OFFER: offers.offer_data(offer)},
            })
            state.pending_offer, state.pending_offer_title = offer.payload, offer.ask
        self._update(state, decision, text)
        return response

    def _form_response(self, session_id: str, reply: FormReply,
                       understood: Understanding | None, state: SessionState) -> BotResponse:
        state.fallback_count = 0
        return self.renderer.form_reply(session_id, reply, understood)

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
                entry = decision.faq_entry(self.kb)
                question = self.redactor(text)
                state.topic_text = (", ".join(entry.tags) if entry is not None and entry.tags
                                    else question)
                state.topic_question = question
            state.topic_target, state.topic_turn = target, state.turn_count + 1
