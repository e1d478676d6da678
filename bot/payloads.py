"""Button payloads: the one grammar for what a pressed button sends back as the message.

    /<intent>       that intent, with certainty
    /faq:<id>       that FAQ entry
    /form:<name>    start that form

Review labels use the same targets without the slash (`card_arrival`, `faq:card-arrival`).
Parse and format them here only, so the chat, the KB loader, the forms, the review queue and
the admin pages agree on what a payload means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PayloadKind = Literal["intent", "faq", "form"]
PREFIX = "/"
FAQ = "faq:"
FORM = "form:"


@dataclass(frozen=True)
class Target:
    """What a payload or a review label points at."""

    kind: PayloadKind
    name: str

    @property
    def label(self) -> str:
        """The target as a review label: `intent`, `faq:<id>` or `form:<name>`."""
        return format_target(self.kind, self.name)

    @property
    def payload(self) -> str:
        """The target as a button payload: the label with a leading slash."""
        return PREFIX + self.label


def parse_target(text: str) -> Target:
    """`faq:<id>`, `form:<name>` or an intent name (no slash)."""
    text = text.strip()
    if text.startswith(FAQ):
        return Target("faq", text[len(FAQ):].strip())
    if text.startswith(FORM):
        return Target("form", text[len(FORM):].strip())
    return Target("intent", text)


def parse_payload(message: str) -> Target | None:
    """The target of a button payload, or None when the message is not a payload."""
    if not message.startswith(PREFIX):
        return None
    return parse_target(message[len(PREFIX):])


def format_target(kind: PayloadKind, name: str) -> str:
    if kind == "faq":
        return FAQ + name
    if kind == "form":
        return FORM + name
    return name


def intent_payload(intent: str) -> str:
    return Target("intent", intent).payload


def faq_payload(faq_id: str) -> str:
    return Target("faq", faq_id).payload


def form_payload(form: str) -> str:
    return Target("form", form).payload
