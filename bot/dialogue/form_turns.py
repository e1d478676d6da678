"""Turns of an open form: an answer to the question asked, a question of the customer's
own first, a way out (cancel, restart, a person, another form), or a side question answered
before the form's question is asked again. A mixin of `DialogueManager`, kept apart so the
manager reads in one screen."""

from __future__ import annotations

from collections.abc import Callable

from bot.dialogue import context, offers
from bot.dialogue.forms import LEAVE_CONFIDENCE, FormController, FormReply
from bot.dialogue.leave_words import (
    CANCEL,
    CHANGE_OF_MIND,
    COMPLAINT,
    LEAVE,
    LEAVE_THE_FORM,
    LEFT_TASK_CLAUSE,
    NOT_THE_TASK,
    OWN_PLAN,
    REASON_TO_STOP,
)
from bot.dialogue.parts import SMALL_TALK
from bot.dialogue.person_requests import asks_for_a_person
from bot.dialogue.policy import Decision, RulePolicy, Understanding
from bot.dialogue.render import ReplyRenderer
from bot.dialogue.restart_words import asks_to_restart, says_start_over
from bot.dialogue.slots import fill_slots
from bot.dialogue.state import SessionState
from bot.kb import Form, KnowledgeBase
from bot.nlu.segments import WH_QUESTION, asks, sentences, words
from bot.payloads import faq_payload
from bot.response import BotResponse, Button
from bot.retrieval.faq_index import FaqHit

# A question that also holds a value for the slot asked is read as the answer, unless the
# model is this sure it asks something else.
SURE_SIDE_QUESTION = 0.85
# Inside a form, a question matching an FAQ entry this well is answered from it.
SIDE_FAQ_SCORE = 0.6
# ...also instead of an intent read less surely than WEAK_SIDE_INTENT, when the FAQ entry
# matches clearly (SIDE_FAQ_OVER_WEAK_INTENT or more) on the form's subject: inside the
# portfolio questions, "how much is the commission every year for this?" reads
# exchange_charge at 0.42 and the investing fees entry at 0.70.
WEAK_SIDE_INTENT = 0.6
SIDE_FAQ_OVER_WEAK_INTENT = 0.68
# How surely a message that says the customer wants something else ("actually, what we
# need is a mortgage, not a loan") must read as another request to leave the form for it.
CHANGE_OF_MIND_CONFIDENCE = 0.7
# A question of its own inside a form (five words or more, no value for the form in it)
# gets FAQ suggestions from this match, below the policy's usual floor: it is no answer, and
# "Sorry, I didn't catch that" would only ask the form's question again.
QUESTION_SUGGESTION_FLOOR = 0.45
# A question inside a form that matches no answer this well gets up to this many
# suggestions (the policy's clarify_min_faq_score is the floor) before the question again.
MAX_SUGGESTIONS = 3
# A question inside a form read as one of these gets no menu of everything the bot can do:
# what it asks is looked for in the FAQ instead ("what's the least I can start with?").
MENU_INTENTS = {"help"}
# Courtesies inside a form ("ok", "thanks", "hello?"): acknowledged, then the question again,
# neither an answer it failed to read nor a side question ("What can I do for you?").
COURTESY_ACK = {"affirm": "utter_ack_affirm", "thanks": "utter_ack_thanks",
                "greet": "utter_ack_greet"}


class FormTurns:
    kb: KnowledgeBase
    policy: RulePolicy
    forms: FormController | None
    renderer: ReplyRenderer
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
        if self._rescued(self.policy.decide(understood, state), understood,
                         text).action == "handoff" and (understood.forced
                                                        or asks_for_a_person(text)):
            state.end_form()  # a person asked for in so many words: the manager hands over
            return None
        if not understood.forced:  # a button press of another reply is never an answer
            changed = self._changed_mind(session_id, text, understood, state, form)
            if changed is not None:
                return changed
            side = self._question_first(session_id, text, understood, state, form)
            if side is not None:
                return side
            reply = (forms.cancel(state) if LEAVE_THE_FORM.search(text)
                     else forms.advance(state, text))
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
            # A handoff read of an answer the form could not take ("civil servant, so about
            # as secure as it gets") needs words that ask for a person, or a sure model.
            if (understood.forced or asks_to_restart(text) or confidence >= LEAVE_CONFIDENCE
                    or (decision.action == "handoff" and asks_for_a_person(text))):
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
        courtesy = ("utter_ack_affirm" if offers.read_yes_no(text, understood) is True
                    else COURTESY_ACK.get(context.target_of(decision) or ""))
        if courtesy is not None and not understood.forced:
            ack, _ = self.renderer.system(courtesy, state)
            return self._form_response(session_id, forms.ask_again(state, ack), None, state)
        side_question = (decision.action in ("answer_intent", "answer_faq")
                         and (decision.intent is None or decision.intent.name != form.intent))
        if (side_question and not understood.forced and not asks(text)
                and context.strength(decision) < SURE_SIDE_QUESTION):
            # a statement after a failed answer, read only loosely as something else ("yeah
            # a party for my daughter" near the age limit entry): the catch-all, if any
            caught = forms.take_in_other_words(state, text)
            if caught is not None:
                return self._form_response(session_id, caught, None, state)
        if not side_question or self._asked_again(decision, state):
            # out of scope, unclear, the form's own intent again, or the side answer just
            # given (an answer the form cannot read must not loop on one FAQ entry); an
            # answer in other words may be the slot's catch-all choice
            reply = (None if understood.forced
                     else forms.take_in_other_words(state, text, first_try=True))
            return self._form_response(session_id, reply or forms.missed(state), None, state)
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
        rest = LEFT_TASK_CLAUSE.sub("", rest)
        stopped = self._form_response(session_id, cancelled, None, state)
        if self.understand is None or words(rest) < 2:
            return stopped
        understood = self.understand([rest])[0]
        decision = self._rescued(self.policy.decide(understood, state), understood, rest)
        other = self._form_of(decision)
        if (context.target_of(decision) in SMALL_TALK or COMPLAINT.search(rest)
                or ((OWN_PLAN.search(rest) or REASON_TO_STOP.search(rest)) and not asks(rest))
                or (other is not None and other.name == cancelled.form)):
            # "nah nvm dont need it", "This is ridiculous, so many questions. Forget it.",
            # "scrap that, I'll save up for it instead", "my father will lend me the money":
            # the rest says why, it asks nothing (and never starts the form just stopped)
            return stopped
        if decision.action not in ("answer_intent", "answer_faq", "handoff"):
            suggestions = [Button(title=h.entry.questions[0], payload=faq_payload(h.entry.id))
                           for h in understood.faq_hits
                           if h.score >= self.policy.config.clarify_min_faq_score][:3]
            if not suggestions:
                return stopped
            return stopped.model_copy(update={
                "text": f"{stopped.text}\n\nDid you mean one of these?", "buttons": suggestions})
        return self._stopped_then(session_id, cancelled, rest, understood, state)

    def _stopped_then(self, session_id: str, cancelled: FormReply, text: str,
                      understood: Understanding, state: SessionState) -> BotResponse:
        """The answer to what the message asks, after saying the form has stopped."""
        answer = self._decide(session_id, text, understood, state)
        first = cancelled.text.split(". ")[0] + "."
        return answer.model_copy(update={"text": f"{first}\n\n{answer.text}"})

    def _changed_mind(self, session_id: str, text: str, understood: Understanding,
                      state: SessionState, form: Form) -> BotResponse | None:
        """"Hmm, actually what we really need is a mortgage, not a personal loan. Do you do
        those?": words that say the customer now wants something else, in a message read
        surely as another request, leave the form for it, even when that request was
        answered before the form began (a side question would not repeat it). A message
        that gives a slot's value without asking anything is a correction ("actually I'm 35,
        not 34"), read by the form. None: the form goes on."""
        if (self.forms is None or not CHANGE_OF_MIND.search(text)
                or (OWN_PLAN.search(text) and not asks(text))):
            return None  # "scrap that, I'll save up for it instead" asks for nothing else
        if not asks(text) and fill_slots(form, text, state.requested_slot).values:
            return None
        plain = NOT_THE_TASK.sub("", text).strip()
        if plain != text and words(plain) >= 2 and self.understand is not None:
            text, understood = plain, self.understand([plain])[0]
        asked, reading = self._the_question(text, understood, state)
        decision = self._rescued(self.policy.decide(reading, state), reading, asked)
        if (decision.action not in ("answer_intent", "answer_faq")
                or context.target_of(decision) in SMALL_TALK
                or (decision.intent is not None and decision.intent.name == form.intent)
                or context.strength(decision) < CHANGE_OF_MIND_CONFIDENCE):
            return None
        # the answer, or another form's task (started from the words that ask for it)
        return self._stopped_then(session_id, self.forms.cancel(state), asked, reading, state)

    def _question_first(self, session_id: str, text: str, understood: Understanding,
                        state: SessionState, form: Form) -> BotResponse | None:
        """A question that does not answer the one asked ("what happens if I miss a
        payment?" while the employer is asked) is answered before the form reads it as an
        answer: "one" and "monthly" in it are no answer about the employer."""
        if (not asks(text) or self.forms is None or LEAVE.search(text)
                or CANCEL.search(text)):
            return None  # not a question, or one that leaves the form (handled as such)
        requested = state.requested_slot
        filled = fill_slots(form, text, requested).values
        answers_it = bool(requested) and not WH_QUESTION.search(text) and requested in filled
        # a question of its own (a sentence, nothing of the form's in it) is never read as
        # an answer: suggest what it may mean from a lower match
        floor = (QUESTION_SUGGESTION_FLOOR if not filled and words(text) >= 5
                 else self.policy.config.clarify_min_faq_score)
        text, understood = self._the_question(text, understood, state)
        on_topic = self._topic_understanding(text, form)
        reading = self._side_reading(understood, on_topic, state, form)
        if reading is None:
            if answers_it:
                return None
            return self._suggest_in_form(session_id, [understood, on_topic], state, form, floor)
        decision, understood = reading
        if answers_it and context.strength(decision) < SURE_SIDE_QUESTION:
            return None  # "is 3 years ok?" answers the question asked
        return self._side_answer(session_id, text, decision, understood, state)

    def _the_question(self, text: str, understood: Understanding, state: SessionState
                      ) -> tuple[str, Understanding]:
        """The one question of a message of several sentences, when it is read surely on its
        own ("Sorry, I think better I get credit card, not loan. You have credit card?"
        reads 0.40 whole, 0.99 as its question); else the message."""
        told = sentences(text)
        asked = [sentence for sentence in told if sentence.rstrip().endswith("?")]
        if len(told) < 2 or len(asked) != 1 or self.understand is None:
            return text, understood
        alone = self.understand(asked)[0]
        decision = self.policy.decide(alone, state)
        if (context.strength(decision) < SURE_SIDE_QUESTION
                or context.target_of(decision) in MENU_INTENTS):
            return text, understood  # "You can advise me?" alone asks for the menu
        return asked[0], alone

    def _side_reading(self, understood: Understanding, on_topic: Understanding | None,
                      state: SessionState, form: Form
                      ) -> tuple[Decision, Understanding] | None:
        """What a question inside a form asks, if it is something to answer: the policy's
        reading, alone or with the form's subject, whichever is surer; else the best FAQ
        entry of either reading that is not the form's own subject ("could my wife and I
        take the loan out together?"); else the reading alone when the one with the subject
        only named the form ("btw what's your phone number" inside the loan check)."""
        alone = self.policy.decide(understood, state)
        if context.target_of(alone) in MENU_INTENTS:
            alone = Decision("clarify", intent=alone.intent)
        decision, reading = self._surer(alone, understood, on_topic, state)
        closest = (self._side_hits([understood, on_topic], form, SIDE_FAQ_OVER_WEAK_INTENT)
                   if decision.action == "answer_intent"
                   and context.strength(decision) < WEAK_SIDE_INTENT else [])
        if closest and closest[0][0].entry.intent != context.target_of(decision):
            faq = Decision("answer_faq", faq=closest[0][0])
            if self._is_side_answer(faq, state, form):
                return faq, closest[0][1]
        if self._is_side_answer(decision, state, form):
            return decision, reading
        for hit, source in self._side_hits([understood, on_topic], form, SIDE_FAQ_SCORE):
            faq = Decision("answer_faq", faq=hit)
            if self._is_side_answer(faq, state, form):
                return faq, source
        if self._is_side_answer(alone, state, form):
            return alone, understood
        return None

    @staticmethod
    def _side_hits(readings: list[Understanding | None], form: Form,
                   min_score: float) -> list[tuple[FaqHit, Understanding]]:
        """FAQ entries either reading matches this well, best first, one per entry, without
        the form's own subject."""
        best: dict[str, tuple[FaqHit, Understanding]] = {}
        for reading in readings:
            if reading is None:
                continue
            for hit in reading.faq_hits:
                seen = best.get(hit.entry.id)
                if (hit.entry.intent != form.intent and hit.score >= min_score
                        and (seen is None or hit.score > seen[0].score)):
                    best[hit.entry.id] = (hit, reading)
        return sorted(best.values(), key=lambda pair: -pair[0].score)

    def _suggest_in_form(self, session_id: str, readings: list[Understanding | None],
                         state: SessionState, form: Form, floor: float) -> BotResponse | None:
        """A question inside a form that no answer matches surely: the questions it may
        mean (FAQ matches from `floor`) as buttons, then the form's question again. None
        when nothing comes close (the form reads the message as an answer)."""
        assert self.forms is not None
        hits = self._side_hits(readings, form, floor)
        buttons = [Button(title=hit.entry.questions[0], payload=faq_payload(hit.entry.id))
                   for hit, _ in hits[:MAX_SUGGESTIONS]]
        if not buttons:
            return None
        not_sure, _ = self.renderer.system("utter_form_not_sure", state)
        reask = self.forms.reask(state)
        reply = FormReply("clarify", f"{not_sure}\n\n{reask}".strip(),
                          [*buttons, *self.forms.reask_buttons(state)], form=form.name)
        return self._form_response(session_id, reply, None, state)

    def _is_side_answer(self, decision: Decision, state: SessionState, form: Form) -> bool:
        """An answer to give inside the form: not small talk, not the form's own subject,
        not an answer already given in this conversation (the one whose offer led into the
        form says nothing new while its questions are asked)."""
        return (decision.action in ("answer_intent", "answer_faq")
                and context.target_of(decision) not in SMALL_TALK
                and (decision.intent is None or decision.intent.name != form.intent)
                and self._form_of(decision) is None
                and not self._asked_again(decision, state, anywhere=True))

    def _topic_understanding(self, text: str, form: Form) -> Understanding | None:
        """The message read with the form's subject after it."""
        if self.understand is None:
            return None
        return self.understand([context.with_topic(form.title, text)])[0]

    def _on_topic(self, text: str, decision: Decision, understood: Understanding,
                  state: SessionState, form: Form) -> tuple[Decision, Understanding]:
        """The message read with the form's subject, when that reads better: inside the loan
        check, "hang on, what's the APR?" asks about the loan's APR."""
        return self._surer(decision, understood, self._topic_understanding(text, form), state)

    def _surer(self, decision: Decision, understood: Understanding,
               on_topic: Understanding | None, state: SessionState
               ) -> tuple[Decision, Understanding]:
        """The reading with the form's subject when it gives an answer and reads surer."""
        if on_topic is None:
            return decision, understood
        reading = self.policy.decide(on_topic, state)
        if reading.action not in ("answer_intent", "answer_faq"):
            return decision, understood
        if (decision.action not in ("answer_intent", "answer_faq")
                or context.strength(reading) > context.strength(decision)):
            return reading, on_topic
        return decision, understood

    def _asked_again(self, decision: Decision, state: SessionState,
                     anywhere: bool = False) -> bool:
        """Whether the decision's answer was the last reply (or, with `anywhere`, any reply
        in the stored history)."""
        target = context.target_of(decision)
        if target is None:
            return False
        answers = {target, f"faq:{target}"}
        entry = decision.faq_entry(self.kb)
        if entry is not None:
            answers.add(f"faq:{entry.id}")
        turns = state.history if anywhere else state.history[-1:]
        return any(turn.response_id in answers for turn in turns)
