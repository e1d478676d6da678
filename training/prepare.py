"""Make sure the intent model and FAQ index match the knowledge base; build what is missing.

Called by `teller serve` / `teller chat` at start-up and by `teller train`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.kb import KnowledgeBase
from bot.nlu.embedding_classifier import KIND
from bot.nlu.encoder import SentenceEncoder
from bot.nlu.model_files import read_manifest
from bot.retrieval.faq_index import FaqIndex
from training.data import file_examples, kb_examples
from training.intent_head import TrainingReport, train_embedding_classifier

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrepareResult:
    trained: TrainingReport | None
    index_rebuilt: bool


def model_is_current(settings: Settings, kb: KnowledgeBase, encoder: SentenceEncoder) -> bool:
    manifest = read_manifest(settings.model_dir)
    return bool(
        manifest
        and manifest.get("kind") == KIND
        and manifest.get("kb_intents_hash") == kb.intents_hash
        and manifest.get("encoder") == encoder.name_or_path
    )


def previous_data_files(settings: Settings) -> list[Path]:
    """Extra corpora the current model was trained with, so a retrain keeps using them."""
    manifest = read_manifest(settings.model_dir) or {}
    return [Path(p) for p in manifest.get("data_files", []) if Path(p).is_file()]


def train_intent_model(
    settings: Settings, kb: KnowledgeBase, encoder: SentenceEncoder,
    data_files: list[Path], show_progress: bool = True,
) -> TrainingReport:
    examples = kb_examples(kb)
    known = set(kb.intents)
    for path in data_files:
        examples.extend(file_examples(path, known_labels=known))
    return train_embedding_classifier(
        examples, encoder, settings.model_dir, kb_intents_hash=kb.intents_hash,
        data_files=[str(Path(p).resolve()) for p in data_files], show_progress=show_progress,
    )


def prepare_models(
    settings: Settings, kb: KnowledgeBase, encoder: SentenceEncoder,
    *, show_progress: bool = True, force: bool = False, data_files: list[Path] | None = None,
) -> PrepareResult:
    report = None
    if force or data_files is not None or not model_is_current(settings, kb, encoder):
        files = data_files if data_files is not None else previous_data_files(settings)
        log.info("training the intent model on the knowledge base%s",
                 f" + {len(files)} file(s)" if files else "")
        report = train_intent_model(settings, kb, encoder, files, show_progress)
    index = FaqIndex(settings.index_dir, kb, encoder, settings.device)
    if force:
        index.build(show_progress)
        rebuilt = True
    else:
        rebuilt = index.ensure_built(show_progress)
    return PrepareResult(report, rebuilt)
