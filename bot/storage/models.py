"""The SQL schema. Change it only together with a new migration in `migrations/versions/`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class SessionRow(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Who may read and write the session: an API key id, a channel ("rasa-rest", "web") or
    # None for in-process callers (CLI). Other owners get 404 for it.
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    customer_ref: Mapped[str | None] = mapped_column(String(128), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(35), nullable=True)
    state: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class TurnRow(Base):
    """One exchange; `user_text` and `bot_text` are stored already redacted."""

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


class FeedbackRow(Base):
    """Thumbs up or down on one bot turn; a later rating of the same turn replaces it."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("session_id", "seq"),
        ForeignKeyConstraint(["session_id", "seq"], ["turns.session_id", "turns.seq"],
                             ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    rating: Mapped[str] = mapped_column(String(8))  # "up" | "down"
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)  # redacted
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReviewItemRow(Base):
    """A turn a person should look at: low confidence, fallback, handoff or thumbs down.
    Deleted with its session (right to erasure); `text` is the redacted customer message."""

    __tablename__ = "review_items"
    __table_args__ = (
        UniqueConstraint("session_id", "seq", "reason"),
        ForeignKeyConstraint(["session_id", "seq"], ["turns.session_id", "turns.seq"],
                             ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text)
    predicted_intent: Mapped[str | None] = mapped_column(String(80), nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    label_intent: Mapped[str | None] = mapped_column(String(80), nullable=True)
    label_faq: Mapped[str | None] = mapped_column(String(90), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiKeyRow(Base):
    """An API key: only a SHA-256 of its secret is stored (the secret is random, 256 bits,
    so a slow password hash adds nothing)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LogExampleRow(Base):
    """A customer message ingested for retraining (from Teller's own review queue or a chat
    log export), stored redacted and de-duplicated by its normalised text (`text_key`);
    `seen` counts repeats. A reviewer's label (`label_intent`, or `label_faq` and the intent
    it resolved to) makes it a training example; `status` is open | labelled | dismissed."""

    __tablename__ = "log_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text_key: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(24), nullable=True)
    bot_answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    feedback: Mapped[str | None] = mapped_column(String(8), nullable=True)
    predicted_intent: Mapped[str | None] = mapped_column(String(80), nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    seen: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    label_intent: Mapped[str | None] = mapped_column(String(80), nullable=True)
    label_faq: Mapped[str | None] = mapped_column(String(90), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    labelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LogExampleSessionRow(Base):
    """Links an ingested example to each conversation it was seen in: erasing a session
    erases the examples that only it contributed."""

    __tablename__ = "log_example_sessions"

    example_id: Mapped[int] = mapped_column(
        ForeignKey("log_examples.id", ondelete="CASCADE"), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
