"""`teller` command line: serve, chat, ask, train, eval, actions, kb, keys, db, purge."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.errors import TellerError

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.pipeline import Assistant
    from bot.storage.api_keys import ApiKeyStore

app = typer.Typer(help="Teller: a customer-service assistant for banks.", no_args_is_help=True)
kb_app = typer.Typer(help="Knowledge base tools.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
keys_app = typer.Typer(help="API keys for the HTTP API.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
db_app = typer.Typer(help="The database: schema migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
# Retraining from logs: ingest, review, retrain, models, cycle (bot/cli_retraining.py).
from bot.cli_retraining import register as _register_retraining  # noqa: E402

_register_retraining(app)

KbOption = Annotated[
    Path | None, typer.Option("--kb", help="Knowledge base folder (default: TELLER_KB_DIR)")
]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Models, index, database (TELLER_DATA_DIR)")
]


def _settings(
    kb: Path | None = None, data_dir: Path | None = None, intent_model: str | None = None
) -> Settings:
    """Settings from the environment plus CLI overrides; a bad value exits with its name."""
    from pydantic import ValidationError

    from bot.config import Settings

    overrides: dict[str, object] = {}
    if kb is not None:
        overrides["kb_dir"] = kb
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if intent_model is not None:
        overrides["intent_model"] = intent_model
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # pydantic coerces the paths
    except ValidationError as exc:
        problems = "; ".join(
            f"TELLER_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise _fail(f"invalid configuration: {problems}") from exc


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def _setup_logging(verbose: bool = False, fmt: str = "text") -> None:
    from bot.logs import setup_logging

    setup_logging("json" if fmt == "json" else "text", verbose)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _assistant(settings: Settings, *, in_memory: bool) -> Assistant:
    """Load the KB, build whatever model/index is missing or stale, return a warm Assistant.

    Any TellerError (broken KB, unusable encoder...) exits with its message.
    """
    from bot.kb import load_knowledge_base
    from bot.nlu.encoder import SentenceEncoder
    from bot.pipeline import Assistant
    from training.prepare import prepare_models

    try:
        kb = load_knowledge_base(settings.kb_dir, settings.bank_name)
        encoder = SentenceEncoder.from_settings(settings)
        prepare_models(settings, kb, encoder, show_progress=True)
        assistant = Assistant.from_settings(settings, in_memory=in_memory, kb=kb, encoder=encoder)
        assistant.warm_up()
    except TellerError as exc:
        raise _fail(str(exc)) from exc
    return assistant


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (TELLER_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (TELLER_PORT)")] = None,
    kb: KbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Start the HTTP API and the web chat on one port (trains a model first if needed)."""
    import uvicorn

    from bot.api.app import create_app

    settings = _settings(kb, data_dir)
    _setup_logging(fmt=settings.log_format)
    assistant = _assistant(settings, in_memory=False)
    application = create_app(settings, assistant)
    bind_host, bind_port = host or settings.host, port or settings.port
    typer.echo(f"Teller is ready: chat at http://{bind_host}:{bind_port}/ , API docs at "
               f"http://{bind_host}:{bind_port}/docs", err=True)
    uvicorn.run(application, host=bind_host, port=bind_port, log_config=None,
                access_log=False)


@app.command()
def chat(kb: KbOption = None, data_dir: DataDirOption = None) -> None:
    """Talk to the assistant in the terminal. Type a number to press a button; Ctrl-D quits."""
    _setup_logging()
    settings = _settings(kb, data_dir)
    assistant = _assistant(settings, in_memory=True)
    session_id = assistant.new_session_id()
    typer.echo(f"{assistant.kb.metadata.bank_name} assistant. Type your question; Ctrl-D to quit.")
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
            reply = assistant.handle(line, session_id)
        except TellerError as exc:
            typer.secho(f"  ({exc})", fg=typer.colors.YELLOW)
            continue
        typer.echo(f"bot> {reply.text}")
        for source in reply.sources:
            typer.echo(f"     source: FAQ '{source.faq_id}'")
        buttons = reply.buttons
        for number, button in enumerate(buttons, start=1):
            typer.echo(f"     [{number}] {button.title}")


def _reply_json(reply) -> str:
    payload = reply.model_dump(
        include={"session_id", "text", "action", "response_id", "intent", "out_of_scope",
                 "sources", "buttons", "intent_ranking", "latency_ms"}
    )
    return json.dumps(payload, ensure_ascii=False)


@app.command()
def ask(
    text: Annotated[str | None, typer.Argument(help="The message; omit to read stdin")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
    kb: KbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Answer TEXT, or each line of stdin in a fresh session (one reply per line)."""
    _setup_logging()
    logging.getLogger().setLevel(logging.WARNING)
    settings = _settings(kb, data_dir)
    assistant = _assistant(settings, in_memory=True)
    lines: list[bytes | str] = (
        [text] if text is not None else list(sys.stdin.buffer.read().splitlines())
    )
    failures = 0
    for line in lines:
        try:
            reply = assistant.handle(line)
        except TellerError as exc:
            failures += 1
            typer.echo(json.dumps({"error": str(exc)}) if as_json else f"error: {exc}")
            continue
        typer.echo(_reply_json(reply) if as_json else " ".join(reply.text.split()))
    if failures:
        raise typer.Exit(1)


@app.command()
def train(
    data: Annotated[
        list[Path] | None,
        typer.Option("--data", help="Extra labelled CSV/JSONL (text + category); repeatable"),
    ] = None,
    oos_data: Annotated[
        list[Path] | None,
        typer.Option("--oos-data", help="CLINC150 data_full.json: out-of-scope tuning rows"),
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="finetuned | embedding-head (TELLER_INTENT_MODEL)")
    ] = None,
    kb: KbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Train the intent model on the KB (plus --data files) and rebuild the FAQ index."""
    from bot.kb import load_knowledge_base
    from bot.nlu.encoder import SentenceEncoder
    from training.prepare import prepare_models

    _setup_logging()
    settings = _settings(kb, data_dir, intent_model=model)
    try:
        knowledge = load_knowledge_base(settings.kb_dir, settings.bank_name)
        encoder = SentenceEncoder.from_settings(settings)
        result = prepare_models(settings, knowledge, encoder, force=True,
                                data_files=data or [], oos_files=oos_data or [])
    except TellerError as exc:
        raise _fail(str(exc)) from exc
    report, scope = result.trained, result.scope_metrics or {}
    assert report is not None
    accuracy = (f"{report.validation_accuracy:.1%} on {report.validation_examples} held-out "
                "examples" if report.validation_accuracy is not None else "n/a")
    typer.echo(
        f"trained {settings.intent_model} model on {report.examples} examples, "
        f"{report.labels} intents in {report.seconds}s; validation accuracy {accuracy}; "
        f"out-of-scope threshold {scope.get('threshold', 0):.3f} (validation recall "
        f"{scope.get('validation_oos_recall', 0):.1%}, false rejection "
        f"{scope.get('validation_false_rejection', 0):.1%}); model in {settings.model_dir}, "
        f"index in {settings.index_dir}"
    )


@app.command()
def actions(
    port: Annotated[int, typer.Option(help="Port of the action server")] = 5055,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    kb: KbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Serve Teller's tools and form validation as a Rasa action server (rasa-sdk)."""
    _setup_logging()
    settings = _settings(kb, data_dir)
    from bot.actions.server import serve_actions
    from bot.kb import KnowledgeBaseError, load_knowledge_base

    try:
        knowledge_base = load_knowledge_base(settings.kb_dir, settings.bank_name)
    except KnowledgeBaseError as exc:
        raise _fail(str(exc)) from exc
    serve_actions(settings, knowledge_base, host, port)


@app.command("eval")
def evaluate_command(
    data: Annotated[Path, typer.Option("--data", help="Labelled CSV/JSONL (text + category)")],
    oos: Annotated[
        Path | None,
        typer.Option("--oos", help="Out-of-scope messages: CLINC150 data_full.json or a CSV "
                                   "with a text column"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Report folder (default: data dir/reports/...)")
    ] = None,
    kb: KbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Accuracy, macro-F1, confusions and calibration of the current model on labelled data;
    with --oos, out-of-scope AUROC, recall and in-scope accuracy at the chosen threshold."""
    from dataclasses import asdict
    from datetime import UTC, datetime

    from training.evaluate import evaluate

    _setup_logging()
    logging.getLogger().setLevel(logging.WARNING)
    settings = _settings(kb, data_dir)
    assistant = _assistant(settings, in_memory=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = out or settings.data_dir / "reports" / f"eval-{stamp}"
    recognizer = assistant.components.classifier
    try:
        report = evaluate(recognizer, data, oos, folder)
    except TellerError as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(asdict(report), indent=2))
        return
    typer.echo(f"{report.messages} messages: accuracy {report.accuracy:.2%}, macro-F1 "
               f"{report.macro_f1:.4f}, calibration error (ECE) "
               f"{report.expected_calibration_error:.4f}")
    if report.unknown_labels:
        typer.echo(f"labels the model does not know: {report.unknown_labels}")
    for pair in report.most_confused[:5]:
        typer.echo(f"  {pair['count']:3d} x {pair['true']} -> {pair['predicted']}")
    if report.out_of_scope:
        o = report.out_of_scope
        typer.echo(f"out of scope ({o.source}): AUROC {o.auroc:.4f}; at threshold "
                   f"{o.threshold:.3f}: recall {o.oos_recall:.1%}, in-scope false rejection "
                   f"{o.in_scope_false_rejection:.1%}, accuracy {o.accuracy_with_rejection:.2%} "
                   f"({o.accuracy_loss_points:+.2f} points lost)")
    typer.echo(f"report, reliability.png and confusion.png in {folder}")


@kb_app.command("check")
def kb_check(kb: KbOption = None) -> None:
    """Validate a knowledge base folder and print a summary (exit 2 with problems listed)."""
    from bot.kb import load_knowledge_base

    settings = _settings(kb)
    try:
        knowledge = load_knowledge_base(settings.kb_dir, settings.bank_name)
    except TellerError as exc:
        raise _fail(str(exc)) from exc
    examples = sum(len(i.examples) for i in knowledge.intents.values())
    typer.echo(
        f"{settings.kb_dir}: OK - {len(knowledge.intents)} intents ({examples} examples), "
        f"{len(knowledge.faq)} FAQ entries, {len(knowledge.responses)} responses"
    )


def _key_store(settings: Settings) -> ApiKeyStore:
    from bot.storage.api_keys import ApiKeyStore
    from bot.storage.database import make_engine, migrate

    try:
        engine = make_engine(settings.resolved_database_url)
        migrate(engine)
    except Exception as exc:
        raise _fail(f"cannot open the database: {exc}") from exc
    return ApiKeyStore(engine)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who or what uses the key, e.g. 'mobile-app'")],
    rate_limit: Annotated[int | None, typer.Option(
        help="Messages a minute (default TELLER_RATE_LIMIT_PER_MINUTE)")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    settings = _settings(data_dir=data_dir)
    try:
        key, secret = _key_store(settings).create(
            name, rate_limit or settings.rate_limit_per_minute)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"created key {key.id} ({key.name}, {key.rate_limit_per_minute}/min). "
               "Store it now; it cannot be shown again:", err=True)
    typer.echo(secret)


@keys_app.command("list")
def keys_list(data_dir: DataDirOption = None) -> None:
    """List keys (ids, names, limits, created, revoked); secrets are never shown."""
    keys = _key_store(_settings(data_dir=data_dir)).list()
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
    key = _key_store(_settings(data_dir=data_dir)).revoke(key_id)
    if key is None:
        raise _fail(f"no API key with id {key_id!r}; see `teller keys list`")
    typer.echo(f"revoked {key.id} ({key.name})")


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDirOption = None) -> None:
    """Apply the schema migrations (the server also does this at start unless
    TELLER_AUTO_MIGRATE=false)."""
    from bot.storage.database import current_revision, make_engine, migrate

    settings = _settings(data_dir=data_dir)
    engine = make_engine(settings.resolved_database_url)
    try:
        migrate(engine)
    except Exception as exc:
        raise _fail(f"migration failed, the schema is unchanged: {exc}") from exc
    typer.echo(f"database schema at revision {current_revision(engine)}")


@app.command()
def purge(
    older_than_days: Annotated[int | None, typer.Option(
        help="Erase sessions idle for longer than this (default TELLER_RETENTION_DAYS)")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Erase conversations past the retention period (run it daily, e.g. from cron)."""
    from datetime import UTC, datetime, timedelta

    from bot.storage.sessions import SqlSessionStore

    settings = _settings(data_dir=data_dir)
    days = settings.retention_days if older_than_days is None else older_than_days
    if days <= 0:
        typer.echo("retention is 0 (keep everything): nothing erased")
        return
    store = SqlSessionStore(settings.resolved_database_url)
    erased = store.purge(datetime.now(UTC) - timedelta(days=days))
    typer.echo(f"erased {erased} sessions idle for more than {days} days")


if __name__ == "__main__":
    app()
