"""Sessions, turns, feedback and the review queue in SQL (SQLite file or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.state import SessionState, Turn
from bot.dialogue.store import (
    Feedback,
    LockedSession,
    Rating,
    ReviewItem,
    SessionExists,
    SessionInfo,
    SessionLocks,
)
from bot.storage.database import (
    SqliteIntegrity,
    checkpoint_wal,
    make_engine,
    migrate,
    sqlite_file,
    vacuum,
)
from bot.storage.models import (
    FeedbackRow,
    LogExampleRow,
    LogExampleSessionRow,
    ReviewItemRow,
    SessionRow,
    TurnRow,
)

# Every table an erasure deletes from (VACUUMed after a purge on PostgreSQL).
ERASED_TABLES = tuple(row.__tablename__ for row in (
    SessionRow, TurnRow, FeedbackRow, ReviewItemRow, LogExampleRow, LogExampleSessionRow))


def _utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every time Teller stores is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _info(row: SessionRow) -> SessionInfo:
    return SessionInfo(row.id, row.owner, row.customer_ref, row.locale,
                       _utc(row.created_at), _utc(row.updated_at))


def _turn(row: TurnRow) -> Turn:
    return Turn(seq=row.seq, user_text=row.user_text, bot_text=row.bot_text, action=row.action,
                intent=row.intent, confidence=row.confidence, response_id=row.response_id,
                sources=list(row.sources), latency_ms=row.latency_ms, at=row.at)


def _review_row(session_id: str, turn: Turn, reason: str) -> ReviewItemRow:
    return ReviewItemRow(session_id=session_id, seq=turn.seq, reason=reason,
                         text=turn.user_text, predicted_intent=turn.intent,
                         confidence=turn.confidence, status="open",
                         created_at=datetime.now(UTC))


class _SqlLocked:
    def __init__(self, db: Session, session_id: str) -> None:
        self._db = db
        self._session_id = session_id
        row = db.get(SessionRow, session_id)
        self._row = row
        self.info = _info(row) if row else None
        self.state = SessionState.from_dict(row.state) if row and row.state else None

    def save(self, state: SessionState, turn: Turn, owner: str | None,
             review_reason: str | None = None) -> None:
        now = datetime.now(UTC)
        if self._row is None:
            self._row = SessionRow(id=self._session_id, owner=owner, state=state.to_dict(),
                                   created_at=now, updated_at=now)
            self._db.add(self._row)
        else:
            self._row.state = state.to_dict()
            self._row.updated_at = now
        self._db.flush()
        self._db.add(TurnRow(session_id=self._session_id, **asdict(turn)))
        if review_reason:
            self._db.flush()
            self._db.add(_review_row(self._session_id, turn, review_reason))


class SqlSessionStore:
    """Sessions in SQL. On PostgreSQL a transaction-scoped advisory lock on the session id
    makes turns of one session run one at a time across replicas; SQLite is one file for
    one server process, where an in-process lock does the same."""

    def __init__(self, url: str, *, run_migrations: bool = True) -> None:
        path = sqlite_file(url)
        # A damaged SQLite file stops the start here, named with the fix (PRAGMA quick_check).
        self.integrity = SqliteIntegrity(path) if path is not None else None
        if self.integrity is not None:
            self.integrity.verify()
        self.engine = make_engine(url)
        if run_migrations:
            migrate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._postgres = self.engine.dialect.name == "postgresql"
        self._locks = SessionLocks()

    def create(self, info: SessionInfo) -> SessionInfo:
        try:
            with self._sessions.begin() as db:
                db.add(SessionRow(id=info.session_id, owner=info.owner,
                                  customer_ref=info.customer_ref, locale=info.locale,
                                  state={}, created_at=info.created_at,
                                  updated_at=info.updated_at))
        except IntegrityError as exc:
            raise SessionExists(info.session_id) from exc
        return info

    def info(self, session_id: str) -> SessionInfo | None:
        with self._sessions() as db:
            row = db.get(SessionRow, session_id)
            return _info(row) if row else None

    @contextmanager
    def locked(self, session_id: str) -> Iterator[LockedSession]:
        with self._locks.get(session_id), self._sessions.begin() as db:
            if self._postgres:
                db.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:id, 0))"),
                           {"id": session_id})
            yield _SqlLocked(db, session_id)

    def load(self, session_id: str) -> SessionState | None:
        with self._sessions() as db:
            row = db.get(SessionRow, session_id)
            return SessionState.from_dict(row.state) if row and row.state else None

    def turns(self, session_id: str) -> list[Turn]:
        with self._sessions() as db:
            rows = db.scalars(
                select(TurnRow).where(TurnRow.session_id == session_id).order_by(TurnRow.seq)
            ).all()
            return [_turn(r) for r in rows]

    def feedback(self, session_id: str) -> list[Feedback]:
        with self._sessions() as db:
            rows = db.scalars(select(FeedbackRow).where(FeedbackRow.session_id == session_id)
                              .order_by(FeedbackRow.seq)).all()
            return [Feedback(r.seq, r.rating, r.comment, _utc(r.created_at))  # type: ignore[arg-type]
                    for r in rows]

    def add_feedback(self, session_id: str, seq: int, rating: Rating,
                     comment: str | None) -> Feedback | None:
        with self._locks.get(session_id), self._sessions.begin() as db:
            turn = db.scalars(select(TurnRow).where(TurnRow.session_id == session_id,
                                                    TurnRow.seq == seq)).first()
            if turn is None:
                return None
            now = datetime.now(UTC)
            row = db.scalars(select(FeedbackRow).where(FeedbackRow.session_id == session_id,
                                                       FeedbackRow.seq == seq)).first()
            if row is None:
                db.add(FeedbackRow(session_id=session_id, seq=seq, rating=rating,
                                   comment=comment, created_at=now))
            else:
                row.rating, row.comment, row.created_at = rating, comment, now
            if rating == "down":
                exists = db.scalars(select(ReviewItemRow.id).where(
                    ReviewItemRow.session_id == session_id, ReviewItemRow.seq == seq,
                    ReviewItemRow.reason == "thumbs_down")).first()
                if exists is None:
                    db.add(_review_row(session_id, _turn(turn), "thumbs_down"))
            return Feedback(seq, rating, comment, now)

    def review_items(self, status: str = "open", limit: int = 100) -> list[ReviewItem]:
        with self._sessions() as db:
            rows = db.scalars(select(ReviewItemRow).where(ReviewItemRow.status == status)
                              .order_by(ReviewItemRow.id).limit(limit)).all()
            return [ReviewItem(r.id, r.session_id, r.seq, r.reason, r.text, r.predicted_intent,
                               r.confidence, r.status, _utc(r.created_at)) for r in rows]

    def delete(self, session_id: str) -> bool:
        """Erase the session, its turns, feedback, review items, and the training examples
        ingested from it that no other conversation also contributed; on SQLite its text is
        then in neither the database file nor its WAL (`_scrub`)."""
        erased = self._erase(session_id)
        if erased:
            self._scrub()
        return erased

    def _erase(self, session_id: str) -> bool:
        with self._locks.get(session_id), self._sessions.begin() as db:
            for table in (FeedbackRow, ReviewItemRow, TurnRow):  # no reliance on cascades
                db.execute(delete(table).where(table.session_id == session_id))
            examples = db.scalars(select(LogExampleSessionRow.example_id)
                                  .where(LogExampleSessionRow.session_id == session_id)).all()
            db.execute(delete(LogExampleSessionRow)
                       .where(LogExampleSessionRow.session_id == session_id))
            for example_id in examples:
                still_used = db.scalar(select(LogExampleSessionRow.example_id)
                                       .where(LogExampleSessionRow.example_id == example_id)
                                       .limit(1))
                if still_used is None:
                    db.execute(delete(LogExampleRow).where(LogExampleRow.id == example_id))
            result = db.execute(delete(SessionRow).where(SessionRow.id == session_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def purge(self, older_than: datetime) -> int:
        """Erase sessions not written to since `older_than`; returns how many."""
        with self._sessions() as db:
            stale = db.scalars(select(SessionRow.id)
                               .where(SessionRow.updated_at < older_than)).all()
        erased = sum(self._erase(session_id) for session_id in stale)
        if erased:
            self._scrub(vacuum_postgres=True)
        return erased

    def _scrub(self, *, vacuum_postgres: bool = False) -> None:
        """After erasing: the rows' bytes are already zeroed in SQLite pages (secure_delete);
        checkpoint and truncate the WAL, which still holds the pages as they were written.
        On PostgreSQL (purge only: it scans the tables) VACUUM them, so that the dead rows
        go and their space is reused; what that does not promise is in the README."""
        if self._postgres:
            if vacuum_postgres:
                vacuum(self.engine, ERASED_TABLES)
        elif self.integrity is not None:
            checkpoint_wal(self.engine)

    def intact(self) -> bool:
        """The SQLite file passed its last integrity check (at most a minute old); always
        True on PostgreSQL (watch it with its own tools: data checksums, amcheck)."""
        return self.integrity is None or self.integrity.intact()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(select(1))
            return True
        except Exception:
            return False
