"""Locales: the KB's text in other languages, given by id in `locales/<code>/*.yaml`.

A locale never adds or removes entries: it gives the examples, answers, replies, buttons and
form texts of the main KB's entries in its language (`knowledge_base/LOCALES.md` has the
format). `read_locales` parses and checks them against the main entries; `localize` returns
the KB as a customer writing in that locale sees it, which the dialogue code serves
unchanged.

The fallback rule: what the conversation says (responses, system replies, buttons, offers,
forms) must exist in every locale, or the KB does not load; an FAQ answer may stay in the
main language, and the reply then says so first (`utter_answer_in_main_language`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.kb.models import (
    FaqEntry,
    Form,
    FormSlot,
    Intent,
    KnowledgeBase,
    NonEmptyText,
    Offer,
    Response,
)
from bot.kb.system_texts import DEFAULT_SYSTEM_TEXT
from bot.messages import MESSAGES, placeholders

if TYPE_CHECKING:
    from bot.kb.loader import KbProblem

LOCALES_DIR = "locales"
LOCALE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


class _Text(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocaleOffer(_Text):
    ask: NonEmptyText
    accept_title: NonEmptyText | None = None
    decline_title: NonEmptyText | None = None


class LocaleIntent(_Text):
    description: str = ""
    examples: list[NonEmptyText] = Field(default_factory=list)


class LocaleFaq(_Text):
    questions: list[NonEmptyText] = Field(default_factory=list)
    answer: NonEmptyText | None = None
    offer: LocaleOffer | None = None


class LocaleResponse(_Text):
    text: list[NonEmptyText] = Field(min_length=1)
    buttons: dict[str, NonEmptyText] = Field(default_factory=dict)  # payload -> title
    offer: LocaleOffer | None = None

    @field_validator("text", mode="before")
    @classmethod
    def _one_text_is_a_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class LocaleChoice(_Text):
    title: NonEmptyText
    synonyms: list[NonEmptyText] = Field(default_factory=list)


class LocaleSlot(_Text):
    ask: NonEmptyText | None = None
    label: NonEmptyText | None = None
    cues: list[NonEmptyText] = Field(default_factory=list)
    words: dict[NonEmptyText, float] = Field(default_factory=dict)
    choices: dict[str, LocaleChoice] = Field(default_factory=dict)


class LocaleForm(_Text):
    title: NonEmptyText | None = None
    intro: NonEmptyText | None = None
    slots: dict[str, LocaleSlot] = Field(default_factory=dict)


class LocaleFile(_Text):
    intents: dict[str, LocaleIntent] = Field(default_factory=dict)
    messages: dict[str, NonEmptyText] = Field(default_factory=dict)  # bot.messages ids
    faq: dict[str, LocaleFaq] = Field(default_factory=dict)
    responses: dict[str, LocaleResponse] = Field(default_factory=dict)
    forms: dict[str, LocaleForm] = Field(default_factory=dict)
    out_of_scope: list[NonEmptyText] = Field(default_factory=list)


@dataclass(frozen=True)
class LocaleContent:
    """One locale's texts, merged from the files of its folder."""

    code: str
    intents: dict[str, LocaleIntent] = field(default_factory=dict)
    faq: dict[str, LocaleFaq] = field(default_factory=dict)
    responses: dict[str, LocaleResponse] = field(default_factory=dict)
    forms: dict[str, LocaleForm] = field(default_factory=dict)
    out_of_scope: list[str] = field(default_factory=list)
    messages: dict[str, str] = field(default_factory=dict)

    def as_payload(self) -> dict[str, Any]:
        """Everything, for content hashes."""
        return {
            "intents": {k: v.model_dump() for k, v in sorted(self.intents.items())},
            "faq": {k: v.model_dump() for k, v in sorted(self.faq.items())},
            "responses": {k: v.model_dump() for k, v in sorted(self.responses.items())},
            "forms": {k: v.model_dump() for k, v in sorted(self.forms.items())},
            "out_of_scope": self.out_of_scope,
            "messages": dict(sorted(self.messages.items())),
        }


def locale_folders(folder: Path) -> list[Path]:
    root = folder / LOCALES_DIR
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir())


def read_locales(folder: Path, problems: list[KbProblem]) -> list[LocaleContent]:
    """Parse every locale folder of the KB in `folder` (not yet checked against the KB)."""
    from bot.kb.loader import KbProblem, read_yaml

    locales = []
    for locale_dir in locale_folders(folder):
        code = locale_dir.name
        where = f"{LOCALES_DIR}/{code}"
        if not LOCALE_CODE.match(code):
            problems.append(KbProblem(where, "", "", "a locale folder is named by its language "
                                      "code (zh, de, pt-BR...)"))
            continue
        merged = LocaleContent(code)
        seen: dict[tuple[str, str], str] = {}
        for path in sorted(locale_dir.glob("*.y*ml")):
            name = f"{where}/{path.name}"
            data = read_yaml(path, problems, name)
            if data is None:
                continue
            try:
                parsed = LocaleFile.model_validate(data)
            except ValidationError as exc:
                for err in exc.errors():
                    loc = ".".join(str(part) for part in err["loc"])
                    problems.append(KbProblem(name, loc.split(".")[0], loc, err["msg"]))
                continue
            for section in ("intents", "faq", "responses", "forms", "messages"):
                entries: dict[str, Any] = getattr(parsed, section)
                target: dict[str, Any] = getattr(merged, section)
                for key, value in entries.items():
                    if (section, key) in seen:
                        problems.append(KbProblem(name, f"{section} '{key}'", "",
                                                  f"given twice; also in {seen[section, key]}"))
                    seen[section, key] = name
                    target[key] = value
            merged.out_of_scope.extend(parsed.out_of_scope)
        locales.append(merged)
    return locales


@dataclass(frozen=True)
class MainEntries:
    """The main KB's entries with the files they came from, as the locale check needs them."""

    intents: dict[str, tuple[str, Intent]]
    faq: dict[str, tuple[str, FaqEntry]]
    responses: dict[str, tuple[str, Response]]
    forms: dict[str, tuple[str, Form]]


def check_locale(locale: LocaleContent, main: MainEntries, problems: list[KbProblem]) -> None:
    """Every text the conversation can say in this locale exists, and every id it names is
    an entry of the main KB. Each problem names the main entry's file, the entry, the field
    and the locale."""
    from bot.kb.loader import KbProblem

    code = locale.code
    where = f"{LOCALES_DIR}/{code}"

    def unknown(section: str, kind: str, known: dict[str, Any], given: dict[str, Any]) -> None:
        for key in sorted(set(given) - set(known)):
            problems.append(KbProblem(where, f"{section} '{key}'", "",
                                      f"the main KB has no {kind} '{key}'"))

    def missing(file: str, entry: str, field_name: str) -> None:
        problems.append(KbProblem(file, entry, field_name,
                                  f"no text in locale '{code}': add it under {where}/"))

    unknown("intents", "intent", main.intents, locale.intents)
    unknown("faq", "FAQ entry", main.faq, locale.faq)
    unknown("forms", "form", main.forms, locale.forms)
    system_ids = set(DEFAULT_SYSTEM_TEXT)
    unknown("responses", "response (nor system response)",
            {**main.responses, **dict.fromkeys(system_ids)}, locale.responses)

    for response_id in sorted(set(main.responses) | system_ids):
        file, response = main.responses.get(response_id, ("(built in)", None))
        label = f"response '{response_id}'"
        given = locale.responses.get(response_id)
        if given is None:
            missing(file, label, "text")
            continue
        payloads = [button.payload for button in response.buttons] if response else []
        for payload in payloads:
            if payload not in given.buttons:
                missing(file, label, f"buttons['{payload}']")
        for payload in sorted(set(given.buttons) - set(payloads)):
            problems.append(KbProblem(where, label, f"buttons['{payload}']",
                                      "the main response has no button with this payload"))
        _check_offer(response.offer if response else None, given.offer, file, label, missing,
                     problems, where)

    for message_id, template in sorted(MESSAGES.items()):
        given_message = locale.messages.get(message_id)
        if given_message is None:
            missing("(built in)", f"message '{message_id}'", "text")
        elif placeholders(given_message) != placeholders(template):
            wanted = ", ".join(f"{{{name}}}" for name in sorted(placeholders(template)))
            problems.append(KbProblem(where, f"message '{message_id}'", "",
                                      f"must use exactly the placeholders {wanted or '(none)'}"))
    for message_id in sorted(set(locale.messages) - set(MESSAGES)):
        problems.append(KbProblem(where, f"message '{message_id}'", "",
                                  "Teller has no message with this id (see bot/messages.py)"))

    for faq_id, (file, entry) in sorted(main.faq.items()):
        given_faq = locale.faq.get(faq_id)
        if given_faq is None or given_faq.answer is None:
            if given_faq is not None and given_faq.offer is not None:
                problems.append(KbProblem(where, f"FAQ entry '{faq_id}'", "offer",
                                          "an offer without the answer it follows"))
            continue  # the answer stays in the main language (the fallback rule)
        _check_offer(entry.offer, given_faq.offer, file, f"FAQ entry '{faq_id}'", missing,
                     problems, where)

    for name, (file, form) in sorted(main.forms.items()):
        label = f"form '{name}'"
        given_form = locale.forms.get(name) or LocaleForm()
        for field_name in ("title", "intro"):
            if getattr(given_form, field_name) is None:
                missing(file, label, field_name)
        slots = {slot.name: slot for slot in form.slots}
        for slot_name in sorted(set(given_form.slots) - set(slots)):
            problems.append(KbProblem(where, label, f"slots.{slot_name}",
                                      f"form '{name}' has no slot '{slot_name}'"))
        for slot in form.slots:
            given_slot = given_form.slots.get(slot.name) or LocaleSlot()
            if given_slot.ask is None:
                missing(file, label, f"slots.{slot.name}.ask")
            if slot.label is not None and given_slot.label is None:
                missing(file, label, f"slots.{slot.name}.label")
            values = {choice.value for choice in slot.choices}
            for value in sorted(values - set(given_slot.choices)):
                missing(file, label, f"slots.{slot.name}.choices.{value}")
            for value in sorted(set(given_slot.choices) - values):
                problems.append(KbProblem(where, label, f"slots.{slot.name}.choices.{value}",
                                          f"slot '{slot.name}' has no choice '{value}'"))


def _check_offer(main: Offer | None, given: LocaleOffer | None, file: str, label: str,
                 missing: Any, problems: list[KbProblem], where: str) -> None:
    from bot.kb.loader import KbProblem

    if main is not None and given is None:
        missing(file, label, "offer.ask")
    elif main is None and given is not None:
        problems.append(KbProblem(where, label, "offer", "the main entry has no offer"))


def _offer(main: Offer | None, given: LocaleOffer | None, messages: dict[str, str]
           ) -> Offer | None:
    """The offer in the locale: its question, and its buttons' titles, or the locale's
    "Yes, please" / "No, thanks" (messages `offer.accept`, `offer.decline`)."""
    if main is None or given is None:
        return main
    return main.model_copy(update={
        "ask": given.ask,
        "accept_title": given.accept_title or messages.get("offer.accept", main.accept_title),
        "decline_title": given.decline_title or messages.get("offer.decline",
                                                             main.decline_title),
    })


def _slot(slot: FormSlot, given: LocaleSlot | None) -> FormSlot:
    if given is None:
        return slot
    choices = [
        choice.model_copy(update={
            "title": given.choices[choice.value].title,
            "synonyms": [*given.choices[choice.value].synonyms, *choice.synonyms],
        }) if choice.value in given.choices else choice
        for choice in slot.choices
    ]
    return slot.model_copy(update={
        "ask": given.ask or slot.ask, "label": given.label or slot.label,
        "cues": [*given.cues, *slot.cues], "words": {**slot.words, **given.words},
        "choices": choices,
    })


def localize(kb: KnowledgeBase, locale: LocaleContent) -> KnowledgeBase:
    """The KB as a customer writing in `locale` sees it: the locale's texts where given
    (checked complete by `check_locale`), the main ones elsewhere; FAQ entries may keep both
    languages' questions, so a question in either finds them."""
    intents = {
        name: intent.model_copy(update={
            "description": given.description or intent.description,
            "examples": given.examples or intent.examples,
        }) if (given := locale.intents.get(name)) else intent
        for name, intent in kb.intents.items()
    }
    faq: dict[str, FaqEntry] = {}
    in_main_language = []
    for faq_id, entry in kb.faq.items():
        given_faq = locale.faq.get(faq_id)
        if given_faq is None or given_faq.answer is None:
            in_main_language.append(faq_id)
            questions = [*(given_faq.questions if given_faq else []), *entry.questions]
            faq[faq_id] = entry.model_copy(update={"questions": questions})
            continue
        faq[faq_id] = entry.model_copy(update={
            "questions": [*given_faq.questions, *entry.questions],
            "answer": given_faq.answer,
            "offer": _offer(entry.offer, given_faq.offer, locale.messages),
        })
    responses = dict(kb.responses)
    for response_id, said in locale.responses.items():
        main = kb.responses.get(response_id)
        if main is None:  # a system response the main KB leaves to the built-in text
            responses[response_id] = Response(id=response_id, text=list(said.text))
            continue
        buttons = [button.model_copy(update={"title": said.buttons.get(button.payload,
                                                                       button.title)})
                   for button in main.buttons]
        responses[response_id] = main.model_copy(update={
            "text": list(said.text), "buttons": buttons,
            "offer": _offer(main.offer, said.offer, locale.messages),
        })
    forms = {}
    for name, form in kb.forms.items():
        given_form = locale.forms.get(name) or LocaleForm()
        forms[name] = form.model_copy(update={
            "title": given_form.title or form.title, "intro": given_form.intro or form.intro,
            "slots": [_slot(slot, given_form.slots.get(slot.name)) for slot in form.slots],
        })
    payload = locale.as_payload()
    return replace(
        kb,
        metadata=kb.metadata.model_copy(update={"language": locale.code}),
        intents=intents, faq=faq, responses=responses, forms=forms,
        faq_by_intent={f.intent: f for f in faq.values() if f.intent},
        response_by_intent={r.intent: r for r in responses.values() if r.intent},
        form_by_intent={f.intent: f for f in forms.values()},
        out_of_scope_examples=list(locale.out_of_scope) or kb.out_of_scope_examples,
        content_hash=KnowledgeBase.hash_content([kb.content_hash, payload]),
        intents_hash=KnowledgeBase.hash_content(
            [kb.intents_hash, payload["intents"], payload["out_of_scope"]]),
        faq_hash=KnowledgeBase.hash_content([kb.faq_hash, payload["faq"]]),
        answered_in_main_language=frozenset(in_main_language),
        messages={**MESSAGES, **locale.messages},
        locales={},
        main_language=kb.metadata.language,
    )
