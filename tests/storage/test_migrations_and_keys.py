"""Schema migrations (SQLite and PostgreSQL), API keys, and their command line."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from bot.cli import app
from bot.storage.api_keys import ApiKeyStore
from bot.storage.database import current_revision, make_engine, migrate
from bot.storage.sessions import SqlSessionStore


def test_a_database_from_before_migrations_is_upgraded_keeping_its_data(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    migrate(engine, "0001")
    with engine.begin() as connection:  # what Teller 0.1 left: its tables, no version table
        connection.execute(sa.text("DROP TABLE alembic_version"))
        connection.execute(sa.text(
            "INSERT INTO sessions (id, state, created_at, updated_at) VALUES "
            "('old', '{\"session_id\": \"old\", \"turn_count\": 1}', :t, :t)"),
            {"t": "2026-01-01 00:00:00"})
        connection.execute(sa.text(
            "INSERT INTO turns (session_id, seq, user_text, bot_text, action, sources, "
            "latency_ms, at) VALUES ('old', 1, 'hi', 'hello', 'answer_intent', '[]', 5, 'x')"))
    engine.dispose()

    store = SqlSessionStore(database_url)
    assert current_revision(store.engine) == "0004"
    assert [t.user_text for t in store.turns("old")] == ["hi"]
    info = store.info("old")
    assert info is not None and info.owner is None
    assert store.load("old").turn_count == 1  # type: ignore[union-attr]
    migrate(store.engine)  # idempotent
    store.engine.dispose()


def test_migrations_downgrade_and_upgrade_cleanly(database_url: str) -> None:
    from alembic import command

    from bot.storage.database import _alembic_config

    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "base")
    assert current_revision(engine) is None
    assert not sa.inspect(engine).has_table("sessions")
    migrate(engine)
    assert set(sa.inspect(engine).get_table_names()) >= {
        "sessions", "turns", "feedback", "review_items", "api_keys", "log_examples",
        "log_example_sessions", "kb_revisions", "kb_revision_files"}
    engine.dispose()


def test_keys_are_stored_hashed_and_checked(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    keys = ApiKeyStore(engine, cache_seconds=0)
    record, secret = keys.create("mobile-app", 120)
    assert secret.startswith(f"tk_{record.id}_")
    with engine.connect() as connection:
        stored = " ".join(str(v) for row in connection.execute(sa.text("SELECT * FROM api_keys"))
                          for v in row)
    assert secret.split("_", 2)[2] not in stored
    assert keys.authenticate(secret) == record
    assert keys.authenticate(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert keys.authenticate("tk_nonsense") is None
    assert keys.revoke(record.id).revoked_at is not None  # type: ignore[union-attr]
    assert keys.authenticate(secret) is None
    assert keys.revoke("000000000000") is None
    engine.dispose()


def test_keys_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path)]
    created = runner.invoke(app, ["keys", "create", "web-widget", "--rate-limit", "30", *data])
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("tk_")
    key_id = secret.split("_")[1]
    listed = runner.invoke(app, ["keys", "list", *data])
    assert key_id in listed.stdout and "web-widget" in listed.stdout and "active" in listed.stdout
    assert secret.split("_", 2)[2] not in listed.stdout
    assert runner.invoke(app, ["keys", "revoke", key_id, *data]).exit_code == 0
    assert "revoked" in runner.invoke(app, ["keys", "list", *data]).stdout
    unknown = runner.invoke(app, ["keys", "revoke", "nope", *data])
    assert unknown.exit_code == 2 and "no API key with id 'nope'" in unknown.output
    blank = runner.invoke(app, ["keys", "create", " ", *data])
    assert blank.exit_code == 2 and "needs a name" in blank.output
    upgraded = runner.invoke(app, ["db", "upgrade", *data])
    assert upgraded.exit_code == 0 and "revision 0004" in upgraded.stdout
    purged = runner.invoke(app, ["purge", "--older-than-days", "30", *data])
    assert purged.exit_code == 0 and "erased 0 sessions" in purged.stdout
