"""The typed reply every channel receives (CLI, REST API, Gradio, Rasa webhook)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Action = Literal[
    "answer_intent", "answer_faq", "answer_passage", "clarify", "fallback", "offer_human",
    "handoff", "restart", "out_of_scope",
    # forms and tools (bot.dialogue.forms)
    "form_ask", "form_invalid", "form_cancel", "tool_result", "tool_error",
]


# The `data` key of a form turn that lists what the message answered: slot -> {"value",
# "display", and "by_meaning" (the choice phrase it was matched to) and "similarity" when
# the answer was in the customer's own words}. Such a turn has no `intent`: the message
# was read as an answer to the form's question, not classified.
SLOTS_FILLED = "slots_filled"


class Button(BaseModel):
    title: str
    payload: str = Field(description="Send this back as the message to choose the button")


class IntentInfo(BaseModel):
    name: str
    confidence: float = Field(ge=0, le=1)


class Source(BaseModel):
    """What an answer came from: an FAQ entry, or a passage of one of the bank's documents
    (then `document`, `section`, `page` and `file` cite it, and `quote` is the sentence or
    table row the reply quotes). An FAQ entry imported from a document cites it too."""

    kind: Literal["faq", "passage"] = "faq"
    faq_id: str | None = None
    question: str | None = None
    category: str | None = None
    passage_id: str | None = None
    document: str | None = Field(default=None, description="The document's title")
    file: str | None = Field(default=None, description="The document's file name")
    url: str | None = Field(default=None, description="A web page's address, when it has one")
    section: str | None = None
    page: int | None = None
    quote: str | None = None
    score: float | None = Field(default=None, description="Cosine similarity, when retrieved")

    @property
    def key(self) -> str:
        """How a conversation turn stores it: the FAQ id, or `passage:<id>`."""
        if self.kind == "passage":
            return f"passage:{self.passage_id}"
        return self.faq_id or ""


class BotResponse(BaseModel):
    session_id: str
    text: str
    buttons: list[Button] = Field(default_factory=list)
    action: Action
    response_id: str | None = Field(default=None, description="utter_* id or faq:<id>")
    intent: IntentInfo | None = None
    intent_ranking: list[IntentInfo] = Field(default_factory=list)
    out_of_scope: bool = False
    sources: list[Source] = Field(default_factory=list)
    data: dict[str, Any] = Field(
        default_factory=dict,
        description="Tool output, when a tool ran; in a form, 'slots_filled': what the "
                    "message answered (slot -> value, display, by_meaning)")
    images: list[str] = Field(default_factory=list, description="Images (data: URLs), e.g. charts")
    form: str | None = Field(default=None, description="The form this turn belongs to, if any")
    turn: int | None = Field(default=None, description="This turn's number in the session "
                             "(send it with feedback)")
    language: str | None = Field(default=None, description="The language the message was read "
                                 "and answered in (the KB's main language or a locale's code)")
    latency_ms: float = 0.0
