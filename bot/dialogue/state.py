"""Per-session conversation state."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

MAX_HISTORY = 20


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class Turn:
    """One exchange. `user_text` is stored already redacted (see bot.privacy)."""

    seq: int
    user_text: str
    bot_text: str
    action: str
    intent: str | None
    confidence: float | None
    response_id: str | None
    sources: list[str]
    latency_ms: float
    at: str = field(default_factory=now_iso)


@dataclass
class SessionState:
    session_id: str
    slots: dict[str, Any] = field(default_factory=dict)
    active_form: str | None = None
    requested_slot: str | None = None
    form_attempts: int = 0  # answers in a row that did not fill the requested slot
    fallback_count: int = 0
    turn_count: int = 0
    last_intent: str | None = None
    # The subject of the last answer (the customer's words, redacted): a follow-up such as
    # "and how much does that cost?" is read together with it (bot.dialogue.context).
    topic_text: str | None = None
    topic_target: str | None = None  # the intent or faq:<id> that answered it
    topic_question: str | None = None  # the customer's words that led to it, redacted
    topic_turn: int = 0
    # A next step the last reply proposed ("Shall I check a loan for you?"): the payload a
    # "yes" goes to, and its title. "anything_else" marks the open "Anything else?".
    pending_offer: str | None = None
    pending_offer_title: str | None = None
    handed_off: bool = False
    # The language of the last reply (a KB language code): a message too short to tell its
    # own ("ok", "PIN") is read and answered in it (bot.nlu.language).
    language: str | None = None
    history: list[Turn] = field(default_factory=list)
    created_at: str = field(default_factory=now_iso)

    def add_turn(self, turn: Turn) -> None:
        self.turn_count = turn.seq
        self.history.append(turn)
        del self.history[:-MAX_HISTORY]

    def reset(self) -> None:
        """Forget slots, form and counters (the 'restart' intent); the stored log is kept."""
        self.slots.clear()
        self.end_form()
        self.fallback_count = 0
        self.last_intent = None
        self.topic_text = None
        self.topic_target = None
        self.topic_question = None
        self.topic_turn = 0
        self.clear_offer()
        self.handed_off = False

    def clear_offer(self) -> None:
        self.pending_offer = None
        self.pending_offer_title = None

    def end_form(self) -> None:
        self.active_form = None
        self.requested_slot = None
        self.form_attempts = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionState:
        history = [Turn(**t) for t in data.get("history", [])]
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{**{k: v for k, v in data.items() if k in known}, "history": history})
