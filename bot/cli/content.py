"""`teller init | import` and `teller kb drafts | publish | drop`: a new knowledge base, and
a bank's own files brought into it (see `bot.kb.importers`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import DataDirOption, KbOption, fail, load_settings
from bot.errors import TellerError

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.kb import KnowledgeBase


class _NotServed:
    """The KB a command changes: nothing serves it in this process."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def reload_knowledge_base(self, kb: KnowledgeBase | None = None) -> None:
        if kb is not None:
            self.kb = kb


def recorded(settings: Settings, edit: Callable[[], KnowledgeBase]) -> KnowledgeBase:
    """Run a change to the KB folder. When the server's database already holds admin edits
    (KB revisions, `bot.kb.sync`), the change is recorded there like an admin edit: every
    replica serves it within seconds, and none takes it back at its next start (the
    database wins over a folder changed behind its back)."""
    import socket

    from sqlalchemy import inspect, make_url
    from sqlalchemy.exc import SQLAlchemyError

    from bot.kb import load_knowledge_base
    from bot.kb.sync import SharedKnowledgeBase
    from bot.storage.database import make_engine
    from bot.storage.kb_revisions import KbRevisionStore

    url = settings.resolved_database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return edit()  # no server has run with this data folder: nothing to share with
    try:
        engine = make_engine(url)
        try:
            if "kb_revisions" not in inspect(engine).get_table_names():
                return edit()
            store = KbRevisionStore(engine)
            if store.latest_number() == 0:
                return edit()
            served = _NotServed(load_knowledge_base(settings.kb_dir, settings.bank_name))
            shared = SharedKnowledgeBase(store, settings.kb_dir, served, settings.bank_name,
                                         author=f"teller CLI on {socket.gethostname()}")
            knowledge = shared.save(edit)
            typer.echo("Recorded in the database as a knowledge-base revision: every server "
                       "on it serves the change within TELLER_KB_RELOAD_SECONDS.")
            return knowledge
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        raise TellerError(f"cannot reach the database {shown} to record the change for the "
                          f"running servers ({exc.__class__.__name__}); nothing was written. "
                          "Check TELLER_DATABASE_URL or --data-dir") from exc


def init(
    kb: Annotated[Path, typer.Option("--kb", help="The folder to create")],
    bank_name: Annotated[str, typer.Option("--bank-name", help="The bank's name, as the "
                                           "assistant says it")],
) -> None:
    """Start a new knowledge base: conversation basics only (greetings, thanks, yes / no,
    help, a person, restart, out-of-scope examples), no facts of any bank."""
    from bot.kb.starter import init_knowledge_base

    try:
        knowledge = init_knowledge_base(kb, bank_name)
    except TellerError as exc:
        raise fail(str(exc)) from exc
    data_dir = kb.parent / f"{kb.name}-data"
    typer.echo(f"Created {kb} for {knowledge.metadata.bank_name}: "
               f"{len(knowledge.intents)} conversation intents, no bank facts yet.\n"
               f"Next: teller import YOUR_FILES... --kb {kb} --publish\n"
               f"      teller serve --kb {kb} --data-dir {data_dir}")


def import_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders: .html, .pdf, .docx, "
                                                ".md, .csv, .xlsx, a Rasa project, a "
                                                "Dialogflow ES export (.zip or folder)")],
    kb: KbOption = None,
    publish: Annotated[bool, typer.Option("--publish", help="Serve the imported items at "
                                          "once (default: drafts to review)")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Import a bank's own files into a knowledge base. Each source becomes one file of the
    KB; importing it again updates that file (never duplicates). Without --publish the items
    wait as drafts: review them in the admin pages or with `teller kb drafts`."""
    from bot.kb import load_knowledge_base
    from bot.kb.importers import import_paths

    settings = load_settings(kb, data_dir)
    started = time.perf_counter()
    outcome = []

    def edit() -> KnowledgeBase:
        outcome.append(import_paths(
            settings.kb_dir, paths, publish, settings.bank_name,
            lambda: load_knowledge_base(settings.kb_dir, settings.bank_name)))
        return load_knowledge_base(settings.kb_dir, settings.bank_name)

    try:
        recorded(settings, edit)
    except TellerError as exc:
        raise fail(str(exc)) from exc
    report, knowledge = outcome[0]
    typer.echo(report.render())
    seconds = time.perf_counter() - started
    if knowledge is None:
        typer.echo(f"Done in {seconds:.1f} s; no file changed.")
        return
    typer.echo(f"Done in {seconds:.1f} s; {settings.kb_dir} now serves "
               f"{len(knowledge.faq)} FAQ entries, {len(knowledge.passages)} passages, "
               f"{len(knowledge.intents)} intents.")
    if any(r.draft for r in report.sources):
        typer.echo(f"Drafts wait for review: teller kb drafts --kb {settings.kb_dir}, then "
                   "teller kb publish SOURCE (or use the admin pages).")
    if report.intents_changed:
        typer.echo("Intents changed: the intent model retrains at the next `teller serve` "
                   "(or run `teller train` now).")


def drafts(kb: KbOption = None) -> None:
    """List the imports waiting for review, with what publishing each would change."""
    from bot.kb.importers.drafts import list_drafts

    settings = load_settings(kb)
    found = list_drafts(settings.kb_dir)
    if not found:
        typer.echo("No drafts.")
    for draft in found:
        changes = ", ".join(f"{len(v)} {k}" for k, v in draft.changes.items() if v)
        typer.echo(f"{draft.source} ({draft.title}) -> {draft.file}: {changes}")
        for item, summary in draft.items.items():
            typer.echo(f"  {item}: {summary}")


def publish(
    source: Annotated[str, typer.Argument(help="The draft's source (fees.pdf) or file")],
    kb: KbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Publish a draft: its items are served (they replace the source's published ones)."""
    from bot.kb.importers.drafts import publish_draft

    settings = load_settings(kb, data_dir)
    try:
        knowledge = recorded(settings, lambda: publish_draft(settings.kb_dir, source,
                                                             settings.bank_name))
    except TellerError as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"Published {source}: the KB now holds {len(knowledge.faq)} FAQ entries, "
               f"{len(knowledge.passages)} passages.")


def drop(
    source: Annotated[str, typer.Argument(help="The draft's source (fees.pdf) or file")],
    item: Annotated[str | None, typer.Option(help="Only this item: faq:<id>, passage:<id> "
                                             "or intent:<name>")] = None,
    kb: KbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Drop a draft, or one item of it."""
    from bot.kb.importers.drafts import drop_draft

    settings = load_settings(kb, data_dir)
    try:
        recorded(settings, lambda: drop_draft(settings.kb_dir, source, settings.bank_name,
                                              item))
    except TellerError as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"Dropped {item + ' from ' if item else ''}the draft of {source}.")
