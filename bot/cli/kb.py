"""`teller kb check | drafts | publish | drop`: validate a knowledge base folder; review
the drafts `teller import` left."""

from __future__ import annotations

import typer

from bot.cli import content
from bot.cli.common import KbOption, fail, load_settings
from bot.errors import TellerError

kb_app = typer.Typer(help="Knowledge base tools.", no_args_is_help=True)
kb_app.command("drafts")(content.drafts)
kb_app.command("publish")(content.publish)
kb_app.command("drop")(content.drop)


@kb_app.command("check")
def kb_check(kb: KbOption = None) -> None:
    """Validate a knowledge base folder and print a summary (exit 2 with problems listed)."""
    from bot.kb import load_knowledge_base

    settings = load_settings(kb)
    try:
        knowledge = load_knowledge_base(settings.kb_dir, settings.bank_name)
    except TellerError as exc:
        raise fail(str(exc)) from exc
    examples = sum(len(i.examples) for i in knowledge.intents.values())
    typer.echo(
        f"{settings.kb_dir}: OK - {len(knowledge.intents)} intents ({examples} examples), "
        f"{len(knowledge.faq)} FAQ entries, {len(knowledge.passages)} passages, "
        f"{len(knowledge.responses)} responses"
    )
