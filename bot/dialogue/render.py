"""Turning a decision into the reply the customer sees: the KB's text (a variant per turn),
buttons, the FAQ source, a form's question; built-in English for system replies a KB lacks."""

from __future__ import annotations

from collections.abc import Callable

from bot.dialogue.forms import FormReply
from bot.dialogue.policy import Decision, Understanding
from bot.dialogue.state import SessionState
from bot.kb import FaqEntry, KnowledgeBase, Offer
from bot.kb import Response as KbResponse
from bot.kb.system_texts import DEFAULT_SYSTEM_TEXT
from bot.messages import say
from bot.payloads import format_target
from bot.response import SLOTS_FILLED, BotResponse, Button, IntentInfo, Source
from bot.retrieval.passages import PassageHit

ACTION_RESPONSE_ID = {
    "fallback": "utter_fallback",
    "out_of_scope": "utter_out_of_scope",
    "clarify": "utter_clarify",
    "offer_human": "utter_offer_human",
    "restart": "utter_restart",
    "handoff": "utter_human_handoff",
}


def faq_source(entry: FaqEntry, score: float | None) -> Source:
    """The FAQ entry an answer came from, and the document it was imported from, if any."""
    cited = entry.source
    return Source(faq_id=entry.id, question=entry.questions[0], category=entry.category,
                  score=score, document=cited.document if cited else None,
                  file=cited.file if cited else None, url=cited.url if cited else None,
                  section=cited.section if cited else None, page=cited.page if cited else None)


def passage_source(hit: PassageHit) -> Source:
    cited = hit.passage.source
    return Source(kind="passage", passage_id=hit.passage.id, document=cited.document,
                  file=cited.file, url=cited.url, section=cited.section, page=cited.page,
                  quote=hit.quote,
                  score=round(hit.score, 4))


def cited_answer(text: str, backing: list[PassageHit]) -> str:
    """A reply, then the documents that state it."""
    citations = "; ".join(hit.passage.source.citation() for hit in backing)
    return f"{text}\n\n{say('source', citations=citations)}"


def quoted_answer(hit: PassageHit) -> str:
    """The sentence or row word for word, then where it is written."""
    return cited_answer(hit.quote, [hit])


# The passages of the bank's documents that state what a reply says (FaqIndex.supporting).
DocumentSupport = Callable[[str], list[PassageHit]]


class ReplyRenderer:
    def __init__(self, kb: KnowledgeBase, fallbacks_before_human: int,
                 document_support: DocumentSupport | None = None) -> None:
        self.kb = kb
        self.fallbacks_before_human = fallbacks_before_human
        self.document_support = document_support

    def offer_of(self, decision: Decision) -> Offer | None:
        """The next step the answer proposes, if its KB entry has one."""
        if decision.action == "answer_faq" and decision.faq is not None:
            return decision.faq.entry.offer
        if decision.action == "answer_intent" and decision.intent is not None:
            name = decision.intent.name
            response = self.kb.response_by_intent.get(name)
            entry = self.kb.faq_by_intent.get(name)
            return response.offer if response is not None else entry.offer if entry else None
        return None

    def form_reply(self, session_id: str, reply: FormReply,
                   understood: Understanding | None) -> BotResponse:
        """A form's reply. `understood` is the intent that started the form, if one did; a
        message read as an answer to the form has no intent (its filled slots are in
        `data`), so it is neither shown nor counted as one."""
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

    def faq_answer(self, entry: FaqEntry, state: SessionState) -> str:
        text = self.kb.render(entry.answer)
        if entry.id in self.kb.answered_in_main_language:
            return self.in_main_language(text, state)
        return text

    def in_main_language(self, text: str, state: SessionState) -> str:
        """An answer the KB has only in its main language, said in a locale: it says so
        first (the locale fallback rule, `bot.kb.locales`)."""
        if not self.kb.main_language:
            return text
        note, _ = self.system("utter_answer_in_main_language", state)
        return f"{note}\n\n{text}"

    def variant(self, response: KbResponse, state: SessionState) -> str:
        return self.kb.render(response.text[state.turn_count % len(response.text)])

    def system(self, response_id: str, state: SessionState) -> tuple[str, list[Button]]:
        response = self.kb.responses.get(response_id)
        if response is None:
            return self.kb.render(DEFAULT_SYSTEM_TEXT[response_id]), []
        buttons = [Button(title=b.title, payload=b.payload) for b in response.buttons]
        return self.variant(response, state), buttons

    def render(
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
                text = self.variant(kb_response, state)
                backing = self.document_support(text) if self.document_support else []
                return base.model_copy(update={
                    "text": cited_answer(text, backing) if backing else text,
                    "response_id": kb_response.id,
                    "buttons": [Button(title=b.title, payload=b.payload)
                                for b in kb_response.buttons],
                    "sources": [passage_source(hit) for hit in backing],
                })
            entry = self.kb.faq_by_intent.get(name)
            if entry is None:  # an intent with nothing to say (a form's, outside its form)
                text, buttons = self.system("utter_fallback", state)
                return base.model_copy(update={"text": text, "buttons": buttons,
                                               "action": "fallback",
                                               "response_id": "utter_fallback"})
            score = next((h.score for h in understood.faq_hits if h.entry.id == entry.id), None)
            return base.model_copy(update={
                "text": self.faq_answer(entry, state),
                "response_id": format_target("faq", entry.id),
                "sources": [faq_source(entry, score)],
            })
        if decision.action == "answer_faq" and decision.faq is not None:
            entry = decision.faq.entry
            return base.model_copy(update={
                "text": self.faq_answer(entry, state),
                "response_id": format_target("faq", entry.id),
                "sources": [faq_source(entry, round(decision.faq.score, 4))],
            })
        if decision.action == "answer_passage" and decision.passage is not None:
            return base.model_copy(update={
                "text": self.in_main_language(quoted_answer(decision.passage), state),
                "response_id": f"passage:{decision.passage.passage.id}",
                "sources": [passage_source(decision.passage)],
            })
        response_id = ACTION_RESPONSE_ID[decision.action]
        text, buttons = self.system(response_id, state)
        if decision.candidates:
            buttons = [Button(title=c.title, payload=c.payload) for c in decision.candidates]
        if (decision.action == "out_of_scope"
                and state.fallback_count + 1 >= self.fallbacks_before_human):
            buttons = [*buttons, *self.system("utter_offer_human", state)[1]]
        return base.model_copy(
            update={"text": text, "buttons": buttons, "response_id": response_id}
        )
