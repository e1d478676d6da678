"""Erasure leaves no trace: after `delete` and `purge` a conversation's text is in neither the
SQLite file nor its write-ahead log; on PostgreSQL the purge vacuums the tables it erased
from."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bot.dialogue.state import SessionState, Turn
from bot.storage.sessions import SqlSessionStore


def talk(store: SqlSessionStore, session_id: str, text: str, *, review: bool = False) -> None:
    """One turn whose customer text (and the bot's echo of it) is `text`."""
    with store.locked(session_id) as session:
        state = SessionState(session_id, turn_count=1, topic_text=text)
        turn = Turn(seq=1, user_text=text, bot_text=f"You said: {text}", action="fallback",
                    intent=None, confidence=0.1, response_id=None, sources=[], latency_ms=3.0)
        session.save(state, turn, owner="key-1",
                     review_reason="low_confidence" if review else None)


def raw_bytes(database: Path) -> tuple[bytes, bytes]:
    """The bytes of the SQLite file and of its WAL, as anyone with the disk could read them."""
    wal = database.with_name(database.name + "-wal")
    return database.read_bytes(), wal.read_bytes() if wal.exists() else b""


def test_deleted_session_text_is_in_neither_the_sqlite_file_nor_its_wal(tmp_path: Path) -> None:
    database = tmp_path / "teller.db"
    store = SqlSessionStore(f"sqlite:///{database}")
    marker = f"erase-me-{uuid.uuid4().hex}"
    kept = f"keep-me-{uuid.uuid4().hex}"
    talk(store, "erased", marker, review=True)
    talk(store, "kept", kept)
    assert marker.encode() in b"".join(raw_bytes(database))  # the test proves something

    assert store.delete("erased")

    main, wal = raw_bytes(database)
    assert marker.encode() not in main
    assert marker.encode() not in wal
    assert [t.user_text for t in store.turns("kept")] == [kept]
    assert store.info("erased") is None
    store.engine.dispose()


def test_purged_sessions_leave_no_text_behind(tmp_path: Path) -> None:
    database = tmp_path / "teller.db"
    store = SqlSessionStore(f"sqlite:///{database}")
    markers = [f"purge-me-{uuid.uuid4().hex}" for _ in range(3)]
    for number, marker in enumerate(markers):
        talk(store, f"old-{number}", marker, review=True)
    assert all(m.encode() in b"".join(raw_bytes(database)) for m in markers)

    assert store.purge(datetime.now(UTC) + timedelta(minutes=1)) == 3

    main, wal = raw_bytes(database)
    for marker in markers:
        assert marker.encode() not in main
        assert marker.encode() not in wal
    store.engine.dispose()


def test_sqlite_connections_overwrite_deleted_content(tmp_path: Path) -> None:
    store = SqlSessionStore(f"sqlite:///{tmp_path / 'teller.db'}")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    store.engine.dispose()


def test_purge_vacuums_the_erased_tables_on_postgresql(database_url: str) -> None:
    store = SqlSessionStore(database_url)
    talk(store, "old", f"purge-me-{uuid.uuid4().hex}", review=True)
    assert store.purge(datetime.now(UTC) + timedelta(minutes=1)) == 1
    if store.engine.dialect.name != "postgresql":
        store.engine.dispose()
        return
    with store.engine.connect() as connection:
        vacuumed = set(connection.execute(sa.text(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
            "AND last_vacuum IS NOT NULL")).scalars())
    assert {"sessions", "turns", "feedback", "review_items"} <= vacuumed
    store.engine.dispose()
