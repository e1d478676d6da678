"""Engine creation (SQLite with WAL by default, PostgreSQL by URL) and schema migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine

from bot.errors import ConfigurationError

MIGRATIONS = Path(__file__).parent / "migrations"
FIRST_REVISION = "0001"  # the schema that Teller created before it had migrations
# Two replicas starting together must not both migrate: PostgreSQL serialises them on this.
MIGRATION_LOCK_KEY = 0x7E11E4


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str) -> Engine:
    if not url:
        raise ConfigurationError("database URL is empty; set TELLER_DATABASE_URL")
    if is_sqlite(url):
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False},
                               hide_parameters=True)  # no customer text in error logs

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL never corrupts the file; a power cut may lose the last commits.
            # FULL would fsync every turn (tens of ms here); use PostgreSQL where that matters.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        return engine
    if url.startswith(("postgres://", "postgresql://")):
        # The driver we install is psycopg 3; plain URLs would ask for psycopg2.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    try:
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                             hide_parameters=True)
    except Exception as exc:  # unknown dialect, missing driver
        raise ConfigurationError(
            f"cannot use database URL {url.split('@')[-1]!r}: {exc}. Use sqlite:///PATH or "
            "postgresql://USER@HOST:PORT/DB"
        ) from exc


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`. A database made before migrations existed (tables but
    no alembic_version) is recognised as the first revision and upgraded from there."""
    from alembic import command

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": MIGRATION_LOCK_KEY})
        config = _alembic_config(connection)
        tables = inspect(connection)
        if tables.has_table("sessions") and not tables.has_table("alembic_version"):
            command.stamp(config, FIRST_REVISION)
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
