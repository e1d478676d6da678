"""`teller db upgrade | purge`: the database's schema and its retention period."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import DataDirOption, fail, load_settings
from bot.errors import TellerError

db_app = typer.Typer(help="The database: schema migrations.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDirOption = None) -> None:
    """Apply the schema migrations (the server also does this at start unless
    TELLER_AUTO_MIGRATE=false)."""
    from bot.storage.database import current_revision, make_engine, migrate

    settings = load_settings(data_dir=data_dir)
    engine = make_engine(settings.resolved_database_url)
    try:
        migrate(engine)
    except Exception as exc:
        raise fail(f"migration failed, the schema is unchanged: {exc}") from exc
    typer.echo(f"database schema at revision {current_revision(engine)}")


def purge(
    older_than_days: Annotated[int | None, typer.Option(
        help="Erase sessions idle for longer than this (default TELLER_RETENTION_DAYS)")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Erase conversations past the retention period (run it daily, e.g. from cron)."""
    from datetime import UTC, datetime, timedelta

    from bot.storage.sessions import SqlSessionStore

    settings = load_settings(data_dir=data_dir)
    days = settings.retention_days if older_than_days is None else older_than_days
    if days <= 0:
        typer.echo("retention is 0 (keep everything): nothing erased")
        return
    try:
        store = SqlSessionStore(settings.resolved_database_url)
        erased = store.purge(datetime.now(UTC) - timedelta(days=days))
    except TellerError as exc:  # a damaged database: named, with the fix
        raise fail(str(exc)) from exc
    typer.echo(f"erased {erased} sessions idle for more than {days} days")
