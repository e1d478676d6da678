"""`teller actions`: rasa-sdk's own action server (Sanic app) around Teller's executor."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.actions.runner import build_executor

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.kb import KnowledgeBase

log = logging.getLogger(__name__)


def serve_actions(settings: Settings, kb: KnowledgeBase, host: str, port: int) -> None:
    """Run until stopped. One process: the executor holds loaded models, which worker
    processes would each have to load again (and which do not pickle). The form validation
    actions read choices by meaning on the sentence encoder, loaded at the first such answer."""
    from rasa_sdk.endpoint import create_app

    from bot.nlu.encoder import SentenceEncoder
    from bot.nlu.paraphrase import EmbeddingPhraseMatcher

    matcher = EmbeddingPhraseMatcher(SentenceEncoder.from_settings(settings))
    executor = build_executor(settings, kb, matcher)
    app = create_app(executor, cors_origins=[])
    log.info("action server on http://%s:%d/webhook with actions: %s", host, port,
             ", ".join(sorted(executor.actions)))
    app.run(host=host, port=port, single_process=True, access_log=False, motd=False)
