"""Where sessions live. `SessionStore` is what the dialogue manager and the API need; the
in-memory store serves the CLI and tests, `bot.storage.sessions.SqlSessionStore` the server.

Every turn runs inside `store.locked(session_id)`: state is read, the reply decided and the
turn written while no other message to that session (in this process or, on PostgreSQL, in
another replica) can run, so turns never interleave or get lost.
"""

from __future__ import annotations

import copy
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal, Protocol

from bot.dialogue.state import SessionState, Turn

Rating = Literal["up", "down"]


@dataclass(frozen=True)
class SessionInfo:
    session_id: str
    owner: str | None
    customer_ref: str | None = None
    locale: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class Feedback:
    seq: int
    rating: Rating
    comment: str | None
    created_at: datetime


@dataclass(frozen=True)
class ReviewItem:
    id: int
    session_id: str
    seq: int
    reason: str
    text: str
    predicted_intent: str | None
    confidence: float | None
    status: str
    created_at: datetime


class LockedSession(Protocol):
    """One session held for one turn: `info`/`state` are None for a session not created yet."""

    info: SessionInfo | None
    state: SessionState | None

    def save(self, state: SessionState, turn: Turn, owner: str | None,
             review_reason: str | None = None) -> None:
        """Write the new state and its turn (and a review item) in one transaction."""


class SessionStore(Protocol):
    def create(self, info: SessionInfo) -> SessionInfo:
        """Create an empty session; raises SessionExists if the id is taken."""

    def info(self, session_id: str) -> SessionInfo | None: ...

    def locked(self, session_id: str) -> AbstractContextManager[LockedSession]: ...

    def load(self, session_id: str) -> SessionState | None: ...

    def turns(self, session_id: str) -> list[Turn]: ...

    def feedback(self, session_id: str) -> list[Feedback]: ...

    def add_feedback(self, session_id: str, seq: int, rating: Rating,
                     comment: str | None) -> Feedback | None:
        """Store (or replace) the rating of turn `seq`; None when there is no such turn.
        A thumbs down also puts the turn in the review queue."""

    def review_items(self, status: str = "open", limit: int = 100) -> list[ReviewItem]: ...

    def delete(self, session_id: str) -> bool:
        """Erase the session, its turns, feedback and review items."""

    def ping(self) -> bool: ...


class SessionExists(Exception):
    pass


class SessionLocks:
    """One in-process lock per session id, forgotten when no thread holds it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, threading.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._guard = threading.Lock()

    def get(self, session_id: str) -> threading.Lock:
        with self._guard:
            lock = self._locks.get(session_id)
            if lock is None:
                lock = threading.Lock()
                self._locks[session_id] = lock
            return lock


@dataclass
class _MemorySession:
    info: SessionInfo
    state: SessionState | None = None
    turns: list[Turn] = field(default_factory=list)
    feedback: dict[int, Feedback] = field(default_factory=dict)


class _MemoryLocked:
    def __init__(self, store: InMemorySessionStore, session_id: str) -> None:
        self._store = store
        self._session_id = session_id
        held = store._sessions.get(session_id)
        self.info = held.info if held else None
        self.state = copy.deepcopy(held.state) if held and held.state else None

    def save(self, state: SessionState, turn: Turn, owner: str | None,
             review_reason: str | None = None) -> None:
        store = self._store
        with store._guard:
            held = store._sessions.get(self._session_id)
            if held is None:
                held = _MemorySession(SessionInfo(self._session_id, owner))
                store._sessions[self._session_id] = held
            held.info = replace(held.info, updated_at=datetime.now(UTC))
            held.state = copy.deepcopy(state)
            held.turns.append(turn)
            if review_reason:
                store._add_review(self._session_id, turn, review_reason)


class InMemorySessionStore:
    def __init__(self) -> None:
        self._sessions: dict[str, _MemorySession] = {}
        self._review: list[ReviewItem] = []
        self._guard = threading.Lock()
        self._locks = SessionLocks()

    def create(self, info: SessionInfo) -> SessionInfo:
        with self._guard:
            if info.session_id in self._sessions:
                raise SessionExists(info.session_id)
            self._sessions[info.session_id] = _MemorySession(info)
        return info

    def info(self, session_id: str) -> SessionInfo | None:
        held = self._sessions.get(session_id)
        return held.info if held else None

    @contextmanager
    def locked(self, session_id: str) -> Iterator[LockedSession]:
        with self._locks.get(session_id):
            yield _MemoryLocked(self, session_id)

    def load(self, session_id: str) -> SessionState | None:
        held = self._sessions.get(session_id)
        return copy.deepcopy(held.state) if held and held.state else None

    def turns(self, session_id: str) -> list[Turn]:
        held = self._sessions.get(session_id)
        return list(held.turns) if held else []

    def feedback(self, session_id: str) -> list[Feedback]:
        held = self._sessions.get(session_id)
        return sorted(held.feedback.values(), key=lambda f: f.seq) if held else []

    def add_feedback(self, session_id: str, seq: int, rating: Rating,
                     comment: str | None) -> Feedback | None:
        with self._guard:
            held = self._sessions.get(session_id)
            turn = next((t for t in held.turns if t.seq == seq), None) if held else None
            if held is None or turn is None:
                return None
            entry = Feedback(seq, rating, comment, datetime.now(UTC))
            held.feedback[seq] = entry
            if rating == "down":
                self._add_review(session_id, turn, "thumbs_down")
            return entry

    def _add_review(self, session_id: str, turn: Turn, reason: str) -> None:
        if any(r.session_id == session_id and r.seq == turn.seq and r.reason == reason
               for r in self._review):
            return
        self._review.append(ReviewItem(
            id=len(self._review) + 1, session_id=session_id, seq=turn.seq, reason=reason,
            text=turn.user_text, predicted_intent=turn.intent, confidence=turn.confidence,
            status="open", created_at=datetime.now(UTC),
        ))

    def review_items(self, status: str = "open", limit: int = 100) -> list[ReviewItem]:
        with self._guard:
            return [r for r in self._review if r.status == status][:limit]

    def delete(self, session_id: str) -> bool:
        with self._guard:
            self._review = [r for r in self._review if r.session_id != session_id]
            return self._sessions.pop(session_id, None) is not None

    def ping(self) -> bool:
        return True
