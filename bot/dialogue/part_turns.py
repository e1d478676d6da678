"""Messages of several parts: a greeting or thanks around a request, or two requests in
one message ("I lost my card, and how much is a transfer to the UK?"). A mixin of
`DialogueManager`, kept apart so the manager reads in one screen; the text rules are in
bot.nlu.segments, which parts are requests in bot.dialogue.parts."""

from __future__ import annotations

from collections.abc import Callable

from bot.dialogue import context
from bot.dialogue.parts import (
    MENU,
    PARTS,
    SMALL_TALK,
    MessagePart,
    is_request,
    second_reading,
    several_requests,
)
from bot.dialogue.policy import Decision, RulePolicy, Understanding
from bot.dialogue.render import ReplyRenderer
from bot.dialogue.state import SessionState
from bot.kb import Form, KnowledgeBase
from bot.nlu.segments import (
    MAX_UNMARKED_PARTS,
    MAX_UNMARKED_WORDS,
    asks_a_second_question,
    candidate_parts,
    joins_a_question,
    message_parts,
    sentences,
    short_enough,
    story_clauses,
    strip_courtesies,
    words,
)
from bot.payloads import intent_payload
from bot.response import BotResponse, Button

# A message split only at full stops or "and" is read in parts when the whole reads less
# surely than this.
CLEAR_AS_A_WHOLE = 0.9
# A message that asks a second question is read in up to this many parts, of up to this many
# words in all ("My card got declined at the checkout in front of a whole queue even though
# there's plenty of money in the account, and I want to know how I lodge a formal complaint
# about it": 33 words, two requests).
MAX_PARTS_WITH_A_SECOND_QUESTION = 3
MAX_WORDS_WITH_A_SECOND_QUESTION = 40
# How sure the reading of one sentence of a story must be to be taken as its request; a
# sentence that asks (ends in "?") less so when nothing else comes close: "...I'm a bit
# short, would ye lend me the difference?" after two sentences about a broken-down car asks
# for a loan (0.58, the next reading 0.05).
STORY_REQUEST_CONFIDENCE = 0.8
# The most sentences or clauses of a story read for its request (one model pass); a
# sentence longer than STORY_SENTENCE_WORDS is read in its clauses.
MAX_STORY_PARTS = 12
STORY_SENTENCE_WORDS = 12
STORY_QUESTION_CONFIDENCE = 0.55
STORY_QUESTION_MARGIN = 0.4
# A message read whole as one request may hide a second one in a clause of its own ("I lost
# my old card yesterday and the new one you promised me hasn't come either" reads card
# arrival at 0.92): its parts are read, and each part read this surely, asking something
# else, is answered too. At most this many parts: a longer message is a story.
HIDDEN_REQUEST_CONFIDENCE = 0.7
MAX_PARTS_OF_A_CLEAR_MESSAGE = 3
# ...and only when the whole message's reading sees that other request too: among its
# HIDDEN_RANK likeliest intents at HIDDEN_MIN_WHOLE_CONFIDENCE or more, or its closest FAQ
# entries.
HIDDEN_RANK = 3
HIDDEN_MIN_WHOLE_CONFIDENCE = 0.02
# ... or the part, a clause of its own, matches an FAQ entry this closely by itself ("..., and
# I want to know how I lodge a formal complaint about it": the complaints entry at 0.81, while
# the whole message's closest entries are all about the declined card).
HIDDEN_OWN_FAQ_SCORE = 0.8
HIDDEN_OWN_MIN_WORDS = 5
# Decisions that answer the message (a clarifying question, a fallback or a refusal do not).
ANSWERED = {"answer_intent", "answer_faq", "answer_passage", "handoff"}
# An announced request that matches one FAQ entry from the policy's clarify floor, this far
# ahead of the next ("..., and can you also tell me how to get a statement for the last three
# months": 0.62, the next 0.38), gets that entry's answer, not "did you mean" with one button.
ANNOUNCED_LEAD = 0.2
# Decisions of a part that asks something the bot could not pin down.
UNANSWERED = {"clarify", "fallback", "out_of_scope"}


class PartTurns:
    kb: KnowledgeBase
    policy: RulePolicy
    renderer: ReplyRenderer
    redactor: Callable[[str], str]
    understand: Callable[[list[str]], list[Understanding]] | None

    # Provided by DialogueManager.

    def _reply(self, session_id: str, decision: Decision, understood: Understanding,
               state: SessionState, text: str) -> BotResponse:
        raise NotImplementedError

    def _decide(self, session_id: str, text: str, understood: Understanding,
                state: SessionState) -> BotResponse:
        raise NotImplementedError

    def _act(self, session_id: str, decision: Decision, understood: Understanding,
             state: SessionState, text: str) -> BotResponse:
        raise NotImplementedError

    def _form_of(self, decision: Decision) -> Form | None:
        raise NotImplementedError

    def _rescued(self, decision: Decision, understood: Understanding, text: str) -> Decision:
        raise NotImplementedError

    def _respond_in_parts(self, session_id: str, text: str, understood: Understanding,
                          state: SessionState) -> BotResponse | None:
        """A greeting or thanks around a request, or several requests in one message. None:
        the message is one request (or none), read whole."""
        assert self.understand is not None
        core, greeted, _ = strip_courtesies(text)
        texts = message_parts(text)  # said to hold several: understood with the message
        explicit = bool(texts)
        # the whole message as _decide reads it: "Looking at a secondhand Golf, need 6k
        # spread over three years, can you help?" answers the loan check's questions
        whole = self._rescued(self.policy.decide(understood, state), understood, text)
        given = dict(understood.parts)  # parts already understood: with the message, or below
        if not texts:
            # a message read clearly is one request unless "and" joins a question word to
            # it; one that gets an answer, unless it asks a second question joined by "and";
            # one that gets no answer (a clarifying question, a fallback, a refusal) may
            # hide its request in one part
            second_question = asks_a_second_question(core)
            clear = (context.strength(whole) >= CLEAR_AS_A_WHOLE
                     and context.target_of(whole) not in SMALL_TALK
                     and not joins_a_question(core))
            texts = candidate_parts(text)
            # small talk never hides a request ("r u a bot?? want 2 chat w a real person")
            answered = (whole.action in ANSWERED and not second_question
                        and context.target_of(whole) not in SMALL_TALK)
            if (clear or answered) and short_enough(texts, core, MAX_PARTS_OF_A_CLEAR_MESSAGE) \
                    and len(texts) > 1:
                given.update(zip(texts, self.understand(texts), strict=True))
                hidden = self._hidden_requests([given[t] for t in texts], texts, whole,
                                               understood, state)
                if hidden:
                    return self._several(session_id, hidden, understood, state, greeted)
            if clear and greeted:  # "hi! my card hasn't come": say hello, answer the rest
                return self._answer_part(session_id, MessagePart(text, understood, whole),
                                         greeted, state)
            # a sentence of story may come before the two questions ("Heading to New York!
            # How do I buy dollars, and is there a cap on contactless?")
            most = MAX_PARTS_WITH_A_SECOND_QUESTION if second_question else MAX_UNMARKED_PARTS
            longest = (MAX_WORDS_WITH_A_SECOND_QUESTION if second_question
                       else MAX_UNMARKED_WORDS)
            if clear or (answered and not greeted) or not short_enough(texts, core, most,
                                                                       longest):
                # one clear request, an answer the whole message already gets, or one story
                # told in several sentences: no second reading (it costs a model pass),
                # unless the story read whole is nothing the bank answers
                if not clear and whole.action in ("out_of_scope", "fallback"):
                    return self._request_in_story(session_id, text, understood, greeted, state)
                return None
            if len(texts) == 1 and core == text.strip():
                return None
        readings = ([given[t] for t in texts] if all(t in given for t in texts)
                    else self.understand(texts))
        parts = [MessagePart(t, u, self._rescued(self.policy.decide(u, state), u, t))
                 for t, u in zip(texts, readings, strict=True)]
        requests = several_requests(parts)
        if len(requests) >= 2 and not explicit and words(core) > MAX_UNMARKED_WORDS:
            # a long message without words that announce a second request: its second
            # question counts only when its clause asks it in so many words; the rest is the
            # story ("... I want it back and I want them blocked from ever touching my card
            # again" is one dispute, not a PIN question)
            requests = [p for p in requests if self._asks_on_its_own(p)
                        or self._answer_key(p.decision) == self._answer_key(whole)]
            if len(requests) < 2:
                return None
        if whole.action == "clarify":
            other = second_reading(requests, parts, understood,
                                   self.policy.config.clarify_min_confidence)
            requests += [other] if other is not None else []
        if (len(requests) == 1 and len(parts) > 1 and not greeted
                and context.target_of(whole) not in (None, *SMALL_TALK,
                                                     context.target_of(requests[0].decision))
                and self._answer_key(whole) != self._answer_key(requests[0].decision)):
            # One part read alone and the whole message ask different things ("I'd like some
            # advice on investing, and separately what does your saver pay?"): both.
            requests = [MessagePart(text, understood, whole), *requests]
        if explicit and len(requests) == 1:
            # "I need my IBAN for my new employer, and also the statement of the last 3
            # months": the second request is announced, but read alone it matches nothing
            # surely; answer the first and ask about the second with its closest entries.
            unsure = unsure_request(self.policy, parts, requests[0])
            requests += [unsure] if unsure is not None else []
        if len(requests) >= 2:
            return self._several(session_id, requests, understood, state, greeted)
        if not requests and greeted and len(parts) == 1:
            # "hi, how are you?": the small talk after the greeting is what needs an answer.
            target = context.target_of(parts[0].decision)
            if target in SMALL_TALK and target != context.target_of(whole):
                return self._decide(session_id, parts[0].text, parts[0].understood, state)
            return None
        if (len(requests) == 1 and len(parts) > 1 and whole.action == "clarify"
                and context.target_of(requests[0].decision) in MENU):
            # "lowkey wanna start investing, got 2k saved, where do i even start": the menu
            # read in the closing words asks about the subject before it, which the whole
            # message's clarifying question names
            return None
        if len(requests) == 1 and (context.target_of(whole) is None
                                   or context.target_of(whole) in SMALL_TALK
                                   or requests[0].decision.action == "handoff"
                                   or greeted):
            return self._answer_part(session_id, requests[0], greeted, state)
        return None

    def _hidden_requests(self, readings: list[Understanding], texts: list[str],
                         whole: Decision, understood: Understanding,
                         state: SessionState) -> list[MessagePart]:
        """The requests of a message read whole as one (see HIDDEN_REQUEST_CONFIDENCE): two
        or more parts each read surely as asking different things, one of them what the
        whole message asks. Empty when there are not."""
        parts = [MessagePart(t, u, self._rescued(self.policy.decide(u, state), u, t))
                 for t, u in zip(texts, readings, strict=True)]
        sure = [p for p in parts if p.decision.action in ANSWERED
                and context.strength(p.decision) >= HIDDEN_REQUEST_CONFIDENCE
                and (self._answer_key(p.decision) == self._answer_key(whole)
                     or self._seen_in_whole(p.decision, understood)
                     or self._asks_on_its_own(p))]
        requests = several_requests(sure)
        keys = {self._answer_key(p.decision) for p in requests}
        if len(keys) < 2 or self._answer_key(whole) not in keys:
            return []
        return requests

    @staticmethod
    def _asks_on_its_own(part: MessagePart) -> bool:
        """Whether a part is a request by its own words: a clause that matches the FAQ entry
        its decision answers with closely (HIDDEN_OWN_FAQ_SCORE)."""
        faq = part.decision.faq
        return (part.decision.action == "answer_faq" and faq is not None
                and faq.score >= HIDDEN_OWN_FAQ_SCORE and words(part.text) >= HIDDEN_OWN_MIN_WORDS)

    @staticmethod
    def _seen_in_whole(decision: Decision, understood: Understanding) -> bool:
        """Whether the whole message's reading sees a part's request too: among its likeliest
        intents or closest FAQ entries. A part that asks nothing of its own ("..., why is
        that?", "any ideas why?") reads as anything, the whole message does not."""
        seen = {s.name for s in understood.prediction.ranking[:HIDDEN_RANK]
                if s.confidence >= HIDDEN_MIN_WHOLE_CONFIDENCE}
        # an FAQ entry found, or the intent it answers
        seen.update(f"faq:{hit.entry.id}" for hit in understood.faq_hits)
        seen.update(hit.entry.intent for hit in understood.faq_hits if hit.entry.intent)
        return context.target_of(decision) in seen

    def _answer_key(self, decision: Decision) -> str:
        """What a decision answers with: for an answer, its FAQ entry, whether reached
        through an intent or directly; else what it does and with what (a form started by
        an intent is not its FAQ entry's answer)."""
        if decision.action in ("answer_intent", "answer_faq"):
            entry = decision.faq_entry(self.kb)
            if entry is not None:
                return f"faq:{entry.id}"
        return f"{decision.action}:{context.target_of(decision)}"

    def _answer_part(self, session_id: str, part: MessagePart, greeted: bool,
                     state: SessionState) -> BotResponse:
        """The one request of a message, answered alone; hello first when it was greeted."""
        response = self._decide(session_id, part.text, part.understood, state)
        if greeted:
            response = response.model_copy(update={"text": self._hello(response.text, state)})
        return response

    def _hello(self, text: str, state: SessionState) -> str:
        """`text` after the bot's hello, for a message that greeted."""
        hello, _ = self.renderer.system("utter_ack_greet", state)
        return f"{hello} {text}"

    def _request_in_story(self, session_id: str, text: str, understood: Understanding,
                          greeted: bool, state: SessionState) -> BotResponse | None:
        """A story around a request ("Morning! Bit of a nightmare week, the boiler's packed
        in ... Is that something you lot could lend me for?"): read whole, the story's words
        outweigh the request's and the message looks like nothing the bank answers. A
        sentence that is plainly a request on its own (`STORY_REQUEST_CONFIDENCE`) is what
        the customer asks."""
        assert self.understand is not None
        told = sentences(text)
        if len(told) < 2:  # one long sentence: its clauses ("..., and would welcome ...")
            told = candidate_parts(text)
        told = story_clauses(told, STORY_SENTENCE_WORDS)[:MAX_STORY_PARTS]
        if len(told) < 2 and not greeted:  # a greeting's words may tip the reading too
            return None
        parts = [MessagePart(t, u, self._rescued(self.policy.decide(u, state), u, t))
                 for t, u in zip(told, self.understand(told), strict=True)]
        requests = [p for p in several_requests(parts)
                    if p.decision.action in ANSWERED and self._plainly_asked(p)]
        if not requests and len(told) >= 3 and told[-1].rstrip().endswith("?"):
            # a closing question that points back ("How would you split it?") read with the
            # sentence before it ("I'd rather it was doing something than sitting in my
            # current account.")
            tail = f"{told[-2]} {told[-1]}"
            read = self.understand([tail])[0]
            last = MessagePart(tail, read, self._rescued(self.policy.decide(read, state),
                                                         read, tail))
            if last.decision.action in ANSWERED and is_request(last) and self._plainly_asked(last):
                requests = [last]
        if len(requests) >= 2:
            return self._several(session_id, requests, understood, state, greeted)
        if not requests:
            return None
        return self._answer_part(session_id, requests[0], greeted, state)

    @staticmethod
    def _plainly_asked(part: MessagePart) -> bool:
        """Whether a sentence of a story is plainly its request (see STORY_*)."""
        strength = context.strength(part.decision)
        if strength >= STORY_REQUEST_CONFIDENCE:
            return True
        ranking = part.understood.prediction.ranking
        margin = ranking[0].confidence - ranking[1].confidence if len(ranking) > 1 else 1.0
        return (part.decision.action == "answer_intent" and part.text.rstrip().endswith("?")
                and strength >= STORY_QUESTION_CONFIDENCE and margin >= STORY_QUESTION_MARGIN)

    def _several(self, session_id: str, requests: list[MessagePart], understood: Understanding,
                 state: SessionState, greeted: bool = False) -> BotResponse:
        """Two or more requests: answer each question; start the one form (its question
        last), or ask which form first when there are several. Hello first when the message
        was greeted."""
        forms = [p for p in requests if self._form_of(p.decision) is not None]
        if any(p.decision.action == "handoff" for p in requests):
            forms = []  # a person takes over: no form is started now
        # The one form starts first, so the answers beside it offer nothing more (no offer
        # while a form runs: "Would you like me to suggest a portfolio mix?" above its first
        # question); its question still comes last. It acts on the part's decision, which
        # may be the whole message's second reading rather than the part's own.
        started = ([(forms[0], self._act(session_id, forms[0].decision, forms[0].understood,
                                         state, forms[0].text))] if len(forms) == 1 else [])
        done = [(p, self._reply(session_id, p.decision, p.understood, state, p.text))
                for p in requests if self._form_of(p.decision) is None]
        done += started
        if len(forms) > 1:
            ask, _ = self.renderer.system("utter_which_first", state)
            which = BotResponse(
                session_id=session_id, text=ask, action="clarify", response_id="utter_which_first",
                buttons=[Button(title=self.kb.intent_title(p.decision.intent.name),
                                payload=intent_payload(p.decision.intent.name))
                         for p in forms if p.decision.intent is not None])
            done += [(p, which) for p in forms]
        # each reply once: the which-first question asked for several forms, and the same
        # answer reached by two parts (an intent and the FAQ entry it answers with)
        texts: list[BotResponse] = []
        for _, reply in done:
            if all(reply is not r and reply.text != r.text for r in texts):
                texts.append(reply)
        main = texts[-1] if forms or state.handed_off else texts[0]
        text = "\n\n".join(r.text for r in texts)
        return main.model_copy(update={
            "text": self._hello(text, state) if greeted else text,
            "buttons": [b for r in texts for b in r.buttons],
            "sources": [s for r in texts for s in r.sources],
            "data": {**main.data, PARTS: [
                {"text": self.redactor(p.text), "action": r.action,
                 "intent": (r.intent.name if r.intent else None), "response_id": r.response_id}
                for p, r in done]},
        })


def unsure_request(policy: RulePolicy, parts: list[MessagePart],
                   request: MessagePart) -> MessagePart | None:
    """Another part of a message announced to hold several requests that got no answer (a
    clarifying question, suggestions, or a refusal: a fragment read alone often looks off
    topic) but has entries it may mean: the one entry it plainly means (ANNOUNCED_LEAD), else
    "did you mean one of these?" with them. A part read most likely as a courtesy ("and also
    thanks a lot") asks nothing."""
    for part in parts:
        decision = part.decision
        top = part.understood.prediction.top
        if (part is request or decision.action not in UNANSWERED
                or (top is not None and top.name in SMALL_TALK)):
            continue
        hits = part.understood.faq_hits
        if (hits and hits[0].score >= policy.config.clarify_min_faq_score
                and (len(hits) < 2 or hits[0].score - hits[1].score >= ANNOUNCED_LEAD)):
            return MessagePart(part.text, part.understood, Decision("answer_faq", faq=hits[0]))
        candidates = decision.candidates or policy.suggestions(part.understood.faq_hits)
        if candidates:
            return MessagePart(part.text, part.understood,
                               Decision("clarify", intent=decision.intent,
                                        candidates=candidates))
    return None
