"""Typed knowledge-base entries. Field rules live here; cross-entry rules live in the loader."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from bot.messages import MESSAGES

NonEmptyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
IntentName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_?]*$", max_length=80)]
FaqId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
ResponseId = Annotated[str, StringConstraints(pattern=r"^utter_[a-z0-9_]+$", max_length=80)]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Intent(_Entry):
    name: IntentName
    description: str = ""
    examples: list[NonEmptyText] = Field(min_length=1)


class Button(_Entry):
    title: NonEmptyText
    payload: NonEmptyText


class Offer(_Entry):
    """A next step an answer proposes ("Shall I check what you could borrow?"). The question
    is added to the answer with Yes / No buttons; the customer's next "yes" (in any words)
    goes to `payload` (`/<intent>`, `/faq:<id>`, `/form:<name>`), a "no" declines it."""

    ask: NonEmptyText
    payload: NonEmptyText
    accept_title: NonEmptyText = "Yes, please"
    decline_title: NonEmptyText = "No, thanks"


class SourceDocument(_Entry):
    """The document an imported entry came from (`teller import`); answers cite it."""

    document: NonEmptyText  # its title
    file: NonEmptyText  # the file name
    section: NonEmptyText | None = None
    page: int | None = Field(default=None, ge=1)
    url: NonEmptyText | None = None  # a web page's address, when it gives one

    def citation(self) -> str:
        """"Fee schedule 2026, International payments, page 2"."""
        parts = [self.document, self.section, f"page {self.page}" if self.page else None]
        return ", ".join(part for part in parts if part)


class FaqEntry(_Entry):
    id: FaqId
    intent: IntentName | None = None
    category: NonEmptyText
    tags: list[NonEmptyText] = Field(default_factory=list)
    questions: list[NonEmptyText] = Field(min_length=1)
    answer: NonEmptyText
    offer: Offer | None = None
    source: SourceDocument | None = None  # set on entries imported from a document


class Passage(_Entry):
    """A section of a bank's document (prose, or a table one row per line), imported by
    `teller import`. The assistant answers from it by quoting the sentence or row closest
    to the question, never by writing text of its own."""

    id: FaqId
    text: NonEmptyText
    source: SourceDocument


class Response(_Entry):
    id: ResponseId
    intent: IntentName | None = None
    text: list[NonEmptyText] = Field(min_length=1)
    buttons: list[Button] = Field(default_factory=list)
    offer: Offer | None = None

    @field_validator("text", mode="before")
    @classmethod
    def _one_text_is_a_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


SlotName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
ActionName = Annotated[str, StringConstraints(pattern=r"^action_[a-z0-9_]+$", max_length=80)]
SlotType = Literal["money", "duration", "percentage", "age", "date", "yes_no", "number", "choice"]


class SlotChoice(_Entry):
    """One allowed answer of a `choice` slot; shown as a button, recognised by its synonyms."""

    value: SlotName
    title: NonEmptyText
    synonyms: list[NonEmptyText] = Field(default_factory=list)


class FormSlot(_Entry):
    """A value a form collects. Numbers are checked against `min` / `max`; `unit` is the
    currency of a money slot (EUR...) or "months" / "years" for a duration slot; `words`
    maps answers without a number ("none", "unemployed") to a value; `cues` are words that
    mark a number as this slot's when the customer gives several at once ("got 3k in
    *savings*", "*employed* for 10 years"). In a form that calls a
    Teller tool, a slot the tool needs has its type, unit, limits and choices filled in from
    the tool's schema before this validation (`bot.kb.tool_forms`)."""

    name: SlotName
    type: SlotType
    ask: NonEmptyText
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    choices: list[SlotChoice] = Field(default_factory=list)
    cues: list[NonEmptyText] = Field(default_factory=list)
    label: NonEmptyText | None = None  # said back to the customer ("Got it: loan amount €8,000")
    # A choice slot's catch-all ("other"): it takes a second answer in words no choice
    # matches ("Replacing the boiler in my house"), rather than the form giving up.
    fallback_choice: NonEmptyText | None = None

    @property
    def spoken_name(self) -> str:
        return self.label or self.name.replace("_", " ")
    words: dict[NonEmptyText, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> FormSlot:
        if self.type == "choice" and len(self.choices) < 2:
            raise ValueError("a choice slot needs at least two `choices`")
        if self.type != "choice" and self.choices:
            raise ValueError("`choices` only apply to slots of type choice")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("`min` is greater than `max`")
        if self.type == "duration" and self.unit not in (None, "months", "years"):
            raise ValueError("a duration slot's unit is `months` or `years`")
        if self.fallback_choice is not None and self.fallback_choice not in {
                c.value for c in self.choices}:
            raise ValueError(f"`fallback_choice` {self.fallback_choice!r} is not the value of "
                             "one of the slot's `choices`")
        return self


class Form(_Entry):
    """A multi-turn conversation that fills `slots`, then runs a tool `action`."""

    name: SlotName
    title: NonEmptyText
    intent: IntentName  # the intent that starts the form
    intro: NonEmptyText
    slots: list[FormSlot] = Field(min_length=1)
    action: ActionName

    @model_validator(mode="after")
    def _unique_slots(self) -> Form:
        names = [slot.name for slot in self.slots]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"slot names used twice: {', '.join(duplicates)}")
        return self


class KbMetadata(_Entry):
    bank_name: NonEmptyText = "Teller Bank"
    version: str = "0"
    language: str = "en"
    # Labelled customer messages (CSV/JSONL: text + category) the intent model also learns
    # from: a name shipped with Teller (`banking77`) or a path relative to the KB folder.
    # Only rows whose label is one of this KB's intents are used.
    training_corpora: list[NonEmptyText] = Field(default_factory=list)
    # Messages the assistant must decline (CSV/JSONL with a `text` column and an optional
    # `split` column, val rows choosing the threshold): a name shipped with Teller
    # (`clinc150`) or a path relative to the KB folder. The out-of-scope detector uses them
    # beside the KB's own `out_of_scope` list, and the fine-tune learns to keep them apart.
    out_of_scope_corpora: list[NonEmptyText] = Field(default_factory=list)


@dataclass(frozen=True)
class KnowledgeBase:
    """A validated knowledge base. Build it with `bot.kb.load_knowledge_base`."""

    metadata: KbMetadata
    intents: dict[str, Intent]
    faq: dict[str, FaqEntry]
    responses: dict[str, Response]
    content_hash: str
    intents_hash: str
    faq_hash: str
    faq_by_intent: dict[str, FaqEntry] = field(default_factory=dict)
    response_by_intent: dict[str, Response] = field(default_factory=dict)
    out_of_scope_examples: list[str] = field(default_factory=list)
    corpora: tuple[Path, ...] = ()  # the resolved `metadata.training_corpora` files
    out_of_scope_corpora: tuple[Path, ...] = ()  # the resolved `out_of_scope_corpora`
    forms: dict[str, Form] = field(default_factory=dict)
    form_by_intent: dict[str, Form] = field(default_factory=dict)
    passages: dict[str, Passage] = field(default_factory=dict)
    passages_hash: str = ""
    # Locales (`bot.kb.locales`): on the main KB, the KB as seen in each other language; on
    # such a view, the main language and the FAQ entries answered in it for want of a text.
    locales: dict[str, KnowledgeBase] = field(default_factory=dict)
    main_language: str = ""
    answered_in_main_language: frozenset[str] = frozenset()
    # What Teller's own code says in this KB's language (`bot.messages`; English by default).
    messages: Mapping[str, str] = field(default_factory=lambda: dict(MESSAGES))

    @property
    def language(self) -> str:
        return self.metadata.language

    @property
    def languages(self) -> list[str]:
        """The main language first, then the locales."""
        return [self.language, *sorted(self.locales)]

    def in_locale(self, code: str) -> KnowledgeBase:
        """The KB in language `code`; the main KB for its own language or an unknown one."""
        return self.locales.get(code, self)

    @staticmethod
    def hash_content(payload: object) -> str:
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(blob).hexdigest()

    def intent_title(self, name: str) -> str:
        """A short title for an intent on a button the customer presses: its FAQ entry's
        question, else its first example, in the customer's words. Never the description:
        it is written for the bank's staff ("The customer wants ...")."""
        if name in self.faq_by_intent:
            return self.faq_by_intent[name].questions[0]
        intent = self.intents.get(name)
        if intent is not None and intent.examples:
            example = intent.examples[0].strip()
            return example[:1].upper() + example[1:]
        return name.replace("_", " ").rstrip("?").capitalize()

    def render(self, text: str) -> str:
        return text.replace("{bank_name}", self.metadata.bank_name)

    def reply_texts(self) -> list[str]:
        """Everything the bank has written for the bot to say: answers, responses, offers,
        form introductions and questions."""
        texts = [entry.answer for entry in self.faq.values()]
        texts += [text for response in self.responses.values() for text in response.text]
        offers = [entry.offer for entry in self.faq.values()]
        offers += [response.offer for response in self.responses.values()]
        texts += [offer.ask for offer in offers if offer is not None]
        for form in self.forms.values():
            texts += [form.intro, *(slot.ask for slot in form.slots)]
        return [self.render(text) for text in texts]
