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
    fallback_count: int = 0
    turn_count: int = 0
    last_intent: str | None = None
    handed_off: bool = False
    history: list[Turn] = field(default_factory=list)
    created_at: str = field(default_factory=now_iso)

    def add_turn(self, turn: Turn) -> None:
        self.turn_count = turn.seq
        self.history.append(turn)
        del self.history[:-MAX_HISTORY]

    def reset(self) -> None:
        """Forget slots, form and counters (the 'restart' intent); the stored log is kept."""
        self.slots.clear()
        self.active_form = None
        self.fallback_count = 0
        self.last_intent = None
        self.handed_off = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionState:
        history = [Turn(**t) for t in data.get("history", [])]
        return cls(**{**data, "history": history})
