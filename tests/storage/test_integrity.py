"""A damaged SQLite file is caught: at start (the store refuses to open it, naming the file and
the fix) and by readiness (`PRAGMA quick_check`, at most once a minute)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from bot.dialogue.state import SessionState, Turn
from bot.errors import DamagedFile
from bot.runtime import build_runtime
from bot.storage.sessions import SqlSessionStore


def fill(store: SqlSessionStore, sessions: int = 20) -> None:
    for number in range(sessions):
        with store.locked(f"s{number}") as session:
            turn = Turn(seq=1, user_text=f"message {number} " * 20, bot_text="reply",
                        action="answer_faq", intent=None, confidence=0.9, response_id=None,
                        sources=[], latency_ms=2.0)
            session.save(SessionState(f"s{number}", turn_count=1), turn, owner="key-1")


def scribble_over_table(database: Path, table: str) -> None:
    """Random bytes over the first page of `table`, as a failing disk or a stray write
    would leave them (the WAL is checkpointed first, so the page is in the file)."""
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        root = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                                  (table,)).fetchone()[0]
    connection.close()
    with database.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(os.urandom(page_size))


def test_a_scribbled_database_is_refused_at_start_naming_file_and_fix(tmp_path: Path) -> None:
    database = tmp_path / "teller.db"
    store = SqlSessionStore(f"sqlite:///{database}")
    fill(store)
    store.engine.dispose()
    scribble_over_table(database, "turns")

    with pytest.raises(DamagedFile) as caught:
        SqlSessionStore(f"sqlite:///{database}")
    message = str(caught.value)
    assert str(database) in message and "damaged" in message
    assert ".recover" in message and "backup" in message


def test_a_file_that_is_no_database_is_refused_naming_it(tmp_path: Path) -> None:
    database = tmp_path / "teller.db"
    database.write_bytes(os.urandom(8192))
    with pytest.raises(DamagedFile, match=r"teller\.db"):
        SqlSessionStore(f"sqlite:///{database}")


def test_readiness_reports_a_database_damaged_while_serving(
    tmp_path: Path, tiny_head_settings, tiny_kb, encoder,
) -> None:
    database = tmp_path / "teller.db"
    settings = tiny_head_settings.model_copy(update={"database_url": f"sqlite:///{database}"})
    runtime = build_runtime(settings, kb=tiny_kb, encoder=encoder)
    store = runtime.store
    assert isinstance(store, SqlSessionStore) and store.integrity is not None
    now = [1000.0]
    store.integrity.clock = lambda: now[0]
    fill(store)
    assert runtime.readiness().database

    store.engine.dispose()
    scribble_over_table(database, "turns")
    assert runtime.readiness().database  # checked at most once a minute: /readyz stays fast
    now[0] += 61
    assert not runtime.readiness().database
    assert "quick_check" in (store.integrity.problem or "")
    store.engine.dispose()
