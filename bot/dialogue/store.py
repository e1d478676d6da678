"""Session stores: in memory (CLI, tests) and SQL via SQLAlchemy (server; SQLite by default)."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from bot.dialogue.state import SessionState, Turn


class SessionStore(Protocol):
    def load(self, session_id: str) -> SessionState | None: ...

    def save(self, state: SessionState, turn: Turn) -> None:
        """Persist the new state and its latest turn together."""

    def turns(self, session_id: str) -> list[Turn]: ...

    def delete(self, session_id: str) -> bool: ...

    def ping(self) -> bool: ...


class InMemorySessionStore:
    def __init__(self) -> None:
        self._states: dict[str, dict[str, object]] = {}
        self._turns: dict[str, list[Turn]] = {}
        self._lock = threading.Lock()

    def load(self, session_id: str) -> SessionState | None:
        with self._lock:
            data = self._states.get(session_id)
        return SessionState.from_dict(json.loads(json.dumps(data))) if data else None

    def save(self, state: SessionState, turn: Turn) -> None:
        with self._lock:
            self._states[state.session_id] = state.to_dict()
            self._turns.setdefault(state.session_id, []).append(turn)

    def turns(self, session_id: str) -> list[Turn]:
        with self._lock:
            return list(self._turns.get(session_id, []))

    def delete(self, session_id: str) -> bool:
        with self._lock:
            self._turns.pop(session_id, None)
            return self._states.pop(session_id, None) is not None

    def ping(self) -> bool:
        return True


class Base(DeclarativeBase):
    pass


class SessionRow(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TurnRow(Base):
    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    user_text: Mapped[str] = mapped_column(Text)
    bot_text: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(32))
    intent: Mapped[str | None] = mapped_column(String(80), nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    response_id: Mapped[str | None] = mapped_column(String(90), nullable=True)
    sources: Mapped[list[str]] = mapped_column(JSON)
    latency_ms: Mapped[float] = mapped_column(Float)
    at: Mapped[str] = mapped_column(String(40))


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL never corrupts the file; a power cut may lose the last commits.
            # FULL would fsync every turn (tens of ms here); use PostgreSQL where that matters.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class SqlSessionStore:
    """Sessions and turns in a SQL database (SQLite file by default, PostgreSQL by URL)."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        Base.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def load(self, session_id: str) -> SessionState | None:
        with self._sessions() as db:
            row = db.get(SessionRow, session_id)
            return SessionState.from_dict(row.state) if row else None

    def save(self, state: SessionState, turn: Turn) -> None:
        now = datetime.now(UTC)
        with self._sessions.begin() as db:
            row = db.get(SessionRow, state.session_id)
            if row is None:
                db.add(SessionRow(id=state.session_id, state=state.to_dict(),
                                  created_at=now, updated_at=now))
            else:
                row.state = state.to_dict()
                row.updated_at = now
            db.flush()
            db.add(TurnRow(session_id=state.session_id, **asdict(turn)))

    def turns(self, session_id: str) -> list[Turn]:
        with self._sessions() as db:
            rows = db.scalars(
                select(TurnRow).where(TurnRow.session_id == session_id).order_by(TurnRow.seq)
            ).all()
            return [
                Turn(seq=r.seq, user_text=r.user_text, bot_text=r.bot_text, action=r.action,
                     intent=r.intent, confidence=r.confidence, response_id=r.response_id,
                     sources=list(r.sources), latency_ms=r.latency_ms, at=r.at)
                for r in rows
            ]

    def delete(self, session_id: str) -> bool:
        with self._sessions.begin() as db:
            db.execute(delete(TurnRow).where(TurnRow.session_id == session_id))
            result = db.execute(delete(SessionRow).where(SessionRow.id == session_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(select(1))
            return True
        except Exception:
            return False
