"""`teller serve | chat | ask`: talk to the assistant over HTTP, in the terminal, or once."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import (
    DataDirOption,
    KbOption,
    configure_logging,
    fail,
    load_runtime,
    load_settings,
)
from bot.errors import ConfigurationError, TellerError

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.response import BotResponse

CHANNEL = "cli"
log = logging.getLogger("teller.security")


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (TELLER_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (TELLER_PORT)")] = None,
    kb: KbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Start the HTTP API and the web chat on one port. With no model yet it answers within
    seconds on a frozen-encoder model and fine-tunes the intent model in the background."""
    import uvicorn

    from bot.api.app import create_app

    settings = load_settings(kb, data_dir)
    configure_logging(fmt=settings.log_format)
    bind_host, bind_port = host or settings.host, port or settings.port
    try:
        announce_mode(settings, bind_host, os.environ)
    except ConfigurationError as exc:
        raise fail(str(exc)) from exc
    application = create_app(load_runtime(settings, in_memory=False,
                                          fine_tune_in_background=True))
    typer.echo(f"Teller is ready: chat at http://{bind_host}:{bind_port}/ , API docs at "
               f"http://{bind_host}:{bind_port}/docs", err=True)
    uvicorn.run(application, host=bind_host, port=bind_port, log_config=None,
                access_log=False)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to a public address


def announce_mode(settings: Settings, host: str, environ: Mapping[str, str]) -> None:
    """Log which mode runs and why; refuse development mode on a non-loopback address, where
    anyone could use the published development key and admin password."""
    given = environ.get("TELLER_ENVIRONMENT")
    why = (f"TELLER_ENVIRONMENT={given}" if given
           else "TELLER_ENVIRONMENT is not set and development is the default")
    log.warning("Teller starts in %s mode (%s)", settings.environment, why)
    if settings.environment != "development" or is_loopback(host):
        return
    if not settings.allow_public_bind:
        raise ConfigurationError(
            f"development mode listens on loopback only, not on {host!r}: it accepts the "
            "published development API key and admin password. For a server others can "
            "reach set TELLER_ENVIRONMENT=production (create keys with `teller keys create`, "
            "set TELLER_ADMIN_PASSWORD), or set TELLER_ALLOW_PUBLIC_BIND=true to expose "
            "development mode anyway")
    log.warning("development mode on %s (TELLER_ALLOW_PUBLIC_BIND=true): anyone who can reach "
                "it can use the development key and admin password", host)


def chat(kb: KbOption = None, data_dir: DataDirOption = None) -> None:
    """Talk to the assistant in the terminal. Type a number to press a button; Ctrl-D quits."""
    configure_logging()
    settings = load_settings(kb, data_dir)
    runtime = load_runtime(settings, in_memory=True)
    channel = runtime.channel(CHANNEL)
    session_id = runtime.assistant.new_session_id()
    typer.echo(f"{runtime.kb.metadata.bank_name} assistant. Type your question; Ctrl-D to quit.")
    buttons: list = []
    while True:
        try:
            line = input("you> ")
        except (EOFError, KeyboardInterrupt):
            typer.echo("")
            return
        if line.strip().isdigit() and 1 <= int(line.strip()) <= len(buttons):
            line = buttons[int(line.strip()) - 1].payload
        try:
            reply = channel.handle(line, session_id)
        except TellerError as exc:
            typer.secho(f"  ({exc})", fg=typer.colors.YELLOW)
            continue
        typer.echo(f"bot> {reply.text}")
        for source in reply.sources:
            typer.echo(f"     source: FAQ '{source.faq_id}'")
        buttons = reply.buttons
        for number, button in enumerate(buttons, start=1):
            typer.echo(f"     [{number}] {button.title}")


def _reply_json(reply: BotResponse) -> str:
    payload = reply.model_dump(
        include={"session_id", "text", "action", "response_id", "intent", "out_of_scope",
                 "sources", "buttons", "intent_ranking", "latency_ms"}
    )
    return json.dumps(payload, ensure_ascii=False)


def ask(
    text: Annotated[str | None, typer.Argument(help="The message; omit to read stdin")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
    kb: KbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Answer TEXT, or each line of stdin in a fresh session (one reply per line)."""
    configure_logging()
    logging.getLogger().setLevel(logging.WARNING)
    settings = load_settings(kb, data_dir)
    channel = load_runtime(settings, in_memory=True).channel(CHANNEL)
    lines: list[bytes | str] = (
        [text] if text is not None else list(sys.stdin.buffer.read().splitlines())
    )
    failures = 0
    for line in lines:
        try:
            reply = channel.handle(line)
        except TellerError as exc:
            failures += 1
            typer.echo(json.dumps({"error": str(exc)}) if as_json else f"error: {exc}")
            continue
        typer.echo(_reply_json(reply) if as_json else " ".join(reply.text.split()))
    if failures:
        raise typer.Exit(1)
