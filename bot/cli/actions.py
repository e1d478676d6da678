"""`teller actions`: Teller's tools and form validation as a Rasa action server."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import DataDirOption, KbOption, configure_logging, fail, load_settings


def actions(
    port: Annotated[int, typer.Option(help="Port of the action server")] = 5055,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    kb: KbOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Serve Teller's tools and form validation as a Rasa action server (rasa-sdk)."""
    configure_logging()
    settings = load_settings(kb, data_dir)
    from bot.actions.server import serve_actions
    from bot.kb import KnowledgeBaseError, load_knowledge_base

    try:
        knowledge_base = load_knowledge_base(settings.kb_dir, settings.bank_name)
    except KnowledgeBaseError as exc:
        raise fail(str(exc)) from exc
    from training.prepare import prepare_credit_risk_model

    prepare_credit_risk_model(settings)  # build the reference model; the runtime never trains
    serve_actions(settings, knowledge_base, host, port)
