"""`teller keys create | list | revoke`: API keys for the HTTP API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import DataDirOption, fail, load_settings

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.storage.api_keys import ApiKeyStore

keys_app = typer.Typer(help="API keys for the HTTP API.", no_args_is_help=True)


def _key_store(settings: Settings) -> ApiKeyStore:
    from bot.storage.api_keys import ApiKeyStore
    from bot.storage.database import make_engine, migrate

    try:
        engine = make_engine(settings.resolved_database_url)
        migrate(engine)
    except Exception as exc:
        raise fail(f"cannot open the database: {exc}") from exc
    return ApiKeyStore(engine)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who or what uses the key, e.g. 'mobile-app'")],
    rate_limit: Annotated[int | None, typer.Option(
        help="Messages a minute (default TELLER_RATE_LIMIT_PER_MINUTE)")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    settings = load_settings(data_dir=data_dir)
    try:
        key, secret = _key_store(settings).create(
            name, rate_limit or settings.rate_limit_per_minute)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"created key {key.id} ({key.name}, {key.rate_limit_per_minute}/min). "
               "Store it now; it cannot be shown again:", err=True)
    typer.echo(secret)


@keys_app.command("list")
def keys_list(data_dir: DataDirOption = None) -> None:
    """List keys (ids, names, limits, created, revoked); secrets are never shown."""
    keys = _key_store(load_settings(data_dir=data_dir)).list()
    if not keys:
        typer.echo("no API keys; create one with `teller keys create NAME`")
    for key in keys:
        status = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        typer.echo(f"{key.id}  {key.name:<24} {key.rate_limit_per_minute:>6}/min  "
                   f"created {key.created_at:%Y-%m-%d %H:%M}  {status}")


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (`teller keys list`)")],
                data_dir: DataDirOption = None) -> None:
    """Revoke a key: servers refuse it within 5 seconds. Its sessions stay stored."""
    key = _key_store(load_settings(data_dir=data_dir)).revoke(key_id)
    if key is None:
        raise fail(f"no API key with id {key_id!r}; see `teller keys list`")
    typer.echo(f"revoked {key.id} ({key.name})")
