"""Make sure the intent model and FAQ index match the knowledge base, and that the reference
credit-risk model exists; build what is missing.

Called by `teller serve` / `teller chat` / `teller ask` at start-up and by `teller train`; the
runtime (`bot/`) never trains, it reports a missing model as `ModelNotReady`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bot.config import Settings
from bot.errors import ModelNotReady
from bot.files import MANIFEST, load_manifest, read_manifest, write_json_atomic
from bot.kb import KnowledgeBase
from bot.nlu.embedding_classifier import KIND as HEAD_KIND
from bot.nlu.encoder import SentenceEncoder
from bot.nlu.finetuned import KIND as FINETUNED_KIND
from bot.nlu.finetuned import FineTunedIntentClassifier
from bot.nlu.multilingual import ENCODER_ID as MULTILINGUAL_ENCODER_ID
from bot.nlu.onnx_encoder import ONNX_FILE, export_sentence_onnx
from bot.nlu.recognizer import IntentRecognizer, load_recognizer, model_damage, model_serves
from bot.nlu.spelling import SpellingCorrector
from bot.retrieval.faq_index import FaqIndex
from bot.runtime import BackgroundStep
from bot.tools.credit_risk.reference import read_credit_manifest
from bot.tools.plugins import REFERENCE_SPEC
from training.clinc import clinc_scope_data
from training.credit_risk import CreditTrainingReport, train_credit_risk_model
from training.data import (
    HUB_PREFIX,
    LabelledExample,
    file_examples,
    kb_examples,
    locale_training_examples,
    training_examples,
)
from training.finetune import (
    FineTuneConfig,
    FineTuneReport,
    finetune_intent_model,
    validation_texts,
)
from training.intent_head import TrainingReport, train_embedding_classifier
from training.multilingual_encoder import build_multilingual_encoder, multilingual_encoder_is_built
from training.scope import (
    MAX_FALSE_REJECTION,
    ModelSpace,
    ScopeData,
    corpus_scope_data,
    merge_scope_data,
    train_scope_detector,
)

log = logging.getLogger(__name__)

MODEL_KINDS = {"finetuned": FINETUNED_KIND, "embedding-head": HEAD_KIND}


@dataclass(frozen=True)
class PrepareResult:
    trained: TrainingReport | FineTuneReport | None
    scope_metrics: dict[str, Any] | None
    index_rebuilt: bool
    credit_risk: CreditTrainingReport | None = None  # set when the credit model was built
    # The training left for later (`prepare_models(..., fine_tune_later=True)`), in order:
    # the runtime runs it in a background thread and serves each model as it is written.
    background: tuple[BackgroundStep, ...] = ()
    # Each locale's intent model, when it was (re)trained (`prepare_locales`).
    locales: dict[str, TrainingReport | FineTuneReport] = field(default_factory=dict)


# The manifest key of the model the first start trains on the KB's own examples alone, to
# answer within seconds; the first background step replaces it.
KB_ONLY = "kb_examples_only"


def model_is_current(settings: Settings, kb: KnowledgeBase, encoder: SentenceEncoder) -> bool:
    manifest = read_manifest(settings.model_dir)
    return bool(
        manifest
        and not manifest.get(KB_ONLY)
        and manifest.get("kind") == MODEL_KINDS[settings.intent_model]
        and manifest.get("kb_intents_hash") == kb.intents_hash
        and manifest.get("encoder") == encoder.identity
    )


def serves_kb(settings: Settings, kb: KnowledgeBase, encoder: SentenceEncoder) -> bool:
    """Whether the model in `settings.model_dir`, current or not, can answer for this KB
    (same encoder, every label an intent of the KB) while a better one trains."""
    return model_serves(settings.model_dir, kb.intents, encoder.identity)


def _previous(settings: Settings, key: str) -> list[Path]:
    """Corpora the current model was trained with, so an automatic retrain keeps them."""
    manifest = read_manifest(settings.model_dir) or {}
    return [Path(p) for p in manifest.get(key, [])
            if p.startswith(HUB_PREFIX) or Path(p).is_file()]


def _scope_data(kb: KnowledgeBase, oos_files: list[Path]) -> ScopeData:
    """The KB's out-of-scope corpora and the CLINC150 files given on the command line."""
    return merge_scope_data([*(corpus_scope_data(p) for p in kb.out_of_scope_corpora),
                             *(clinc_scope_data(p) for p in oos_files)])


def _intent_vectors(recognizer: IntentRecognizer) -> np.ndarray | None:
    ranker = recognizer.ranker
    return ranker.intent_matrix if isinstance(ranker, FineTunedIntentClassifier) else None


def retrain_scope(
    settings: Settings, kb: KnowledgeBase, encoder: SentenceEncoder, oos_files: list[Path],
    *, max_false_rejection: float = MAX_FALSE_REJECTION,
) -> dict[str, Any]:
    """Rebuild only the out-of-scope detector of the trained model in `settings.model_dir`
    (about 2 minutes on 2 CPU cores with BANKING77 and CLINC150; the intent model is kept):
    for new out-of-scope data or a corrected choice of
    CLINC150 rows. The manifest is rewritten last, so a running server reloads the model
    with its new detector. Returns the detector's validation metrics."""
    manifest = load_manifest(settings.model_dir)  # a damaged one is named, not "no model"
    if not manifest:
        raise ModelNotReady(f"no intent model in {settings.model_dir}; run `teller train`")
    recognizer = load_recognizer(settings.model_dir, encoder, settings.device)
    recognizer.warm_up()
    examples = training_examples(kb)
    known = set(kb.intents)
    for path in _previous(settings, "data_files"):
        examples.extend(file_examples(path, known_labels=known))
    scope = train_scope_detector(recognizer.ranker.embed, [e.text for e in examples],
                                 kb.out_of_scope_examples, _scope_data(kb, oos_files),
                                 not_trained_on=validation_texts(examples, manifest),
                                 intent_vectors=_intent_vectors(recognizer),
                                 max_false_rejection=max_false_rejection)
    scope.write(settings.model_dir)
    metrics = {"threshold": scope.threshold, **scope.metrics}
    manifest["out_of_scope"] = metrics
    manifest["oos_files"] = [str(Path(p).resolve()) for p in oos_files]
    write_json_atomic(settings.model_dir / MANIFEST, manifest)
    return metrics


def train_intent_model(
    settings: Settings, kb: KnowledgeBase, encoder: SentenceEncoder,
    data_files: list[Path], oos_files: list[Path], *, show_progress: bool = True,
    finetune_config: FineTuneConfig | None = None, max_false_rejection: float = MAX_FALSE_REJECTION,
    examples: list[LabelledExample] | None = None, kb_only: bool = False,
) -> tuple[TrainingReport | FineTuneReport, dict[str, Any]]:
    """Train into `settings.model_dir` on the KB's examples plus `data_files`, or on
    `examples` when given (retraining builds its own dataset; `data_files` is then only
    recorded in the manifest so an automatic retrain at start uses the same corpora).

    `kb_only`: the first start's model, on the KB's own examples and list of messages to
    decline, without its corpora (BANKING77, CLINC150): seconds to train instead of a
    minute, marked in the manifest so that it is never taken for a current model."""
    if kb_only:
        examples = kb_examples(kb)
        kb = replace(kb, out_of_scope_corpora=())
        data_files, oos_files = [], []
    if examples is None:
        examples = training_examples(kb)
        known = set(kb.intents)
        for path in data_files:
            examples.extend(file_examples(path, known_labels=known))
    extra = _scope_data(kb, oos_files)
    texts = [e.text for e in examples]
    scope_metrics: dict[str, Any] = {}

    def write_extra(folder: Path, space: ModelSpace) -> dict[str, Any]:
        """Out-of-scope detector in the trained model's embedding space (its threshold
        chosen on the validation texts the model never saw, when there are some), and the
        spelling vocabulary of the training examples, saved inside the model folder."""
        log.info("training the out-of-scope detector")
        scope = train_scope_detector(space.embed, texts, kb.out_of_scope_examples, extra,
                                     not_trained_on=space.unseen,
                                     intent_vectors=space.intent_vectors,
                                     max_false_rejection=max_false_rejection)
        scope.write(folder)
        SpellingCorrector.from_texts(texts).save(folder)
        scope_metrics.update({"threshold": scope.threshold, **scope.metrics})
        return {"out_of_scope": dict(scope_metrics)}

    common: dict[str, Any] = {
        "kb_intents_hash": kb.intents_hash,
        "data_files": [p if str(p).startswith(HUB_PREFIX) else str(Path(p).resolve())
                       for p in map(str, data_files)],
        "show_progress": show_progress,
        "write_extra": write_extra,
        "extra_manifest": {
            "encoder": encoder.identity,
            "oos_files": [str(Path(p).resolve()) for p in oos_files],
            **({KB_ONLY: True} if kb_only else {}),
        },
    }
    report: TrainingReport | FineTuneReport
    if settings.intent_model == "finetuned":
        log.info("fine-tuning the intent model on %d examples", len(examples))
        report = finetune_intent_model(
            examples, settings.model_dir, base_encoder=encoder.name_or_path,
            config=finetune_config or FineTuneConfig(), device=settings.device,
            outliers=[*kb.out_of_scope_examples, *extra.out_of_scope], **common,
        )
    else:
        log.info("training the embedding-head intent model on %d examples", len(examples))
        report = train_embedding_classifier(examples, encoder, settings.model_dir, **common)
    return report, scope_metrics


def prepare_models(
    settings: Settings, kb: KnowledgeBase, encoder: SentenceEncoder,
    *, show_progress: bool = True, force: bool = False, data_files: list[Path] | None = None,
    oos_files: list[Path] | None = None, finetune_config: FineTuneConfig | None = None,
    fine_tune_later: bool = False,
) -> PrepareResult:
    """Train the intent model when asked (`force`, new files) or when missing or stale,
    rebuild the FAQ index when its content changed, train the locales' models
    (`prepare_locales`), and build the reference credit-risk model when the settings use it
    and it is missing (`prepare_credit_risk_model`).

    `fine_tune_later` (the server's start): answer within seconds, train the rest behind.
    When no model serves this KB, a frozen-encoder model on the KB's own examples is
    trained now (seconds); the training left is handed back as `PrepareResult.background`,
    in order: the frozen-encoder model on the KB and its corpora (a minute), the locales'
    models (a minute), then the fine-tune (minutes).

    Damaged files: an intent model is never trained over in silence (`set_damaged_model_aside`:
    refused at start, moved aside by `force`); the FAQ index, derived from the KB, is rebuilt
    and the log says which file was damaged."""
    report, scope = None, None
    background: list[BackgroundStep] = []
    set_damaged_model_aside(settings.model_dir, explicit=force)
    if (force or data_files is not None or oos_files is not None
            or not model_is_current(settings, kb, encoder)):
        files = data_files if data_files is not None else _previous(settings, "data_files")
        oos = oos_files if oos_files is not None else _previous(settings, "oos_files")

        def train(for_settings: Settings, kb_only: bool = False) -> tuple[
                TrainingReport | FineTuneReport, dict[str, Any]]:
            return train_intent_model(
                for_settings, kb, encoder, files, oos, show_progress=show_progress,
                finetune_config=finetune_config, kb_only=kb_only,
            )

        if fine_tune_later and settings.intent_model == "finetuned":
            head = settings.model_copy(update={"intent_model": "embedding-head"})
            if not serves_kb(settings, kb, encoder):
                log.info("training a first model on the knowledge base's own examples to "
                         "answer with at once; better ones train in the background")
                report, scope = train(head, kb_only=True)
            if (read_manifest(settings.model_dir) or {}).get(KB_ONLY):
                background.append(BackgroundStep(
                    "training the frozen-encoder intent model on the knowledge base and its "
                    "corpora", lambda: train(head)[0]))
            background.append(BackgroundStep("fine-tuning the intent model",
                                             lambda: train(settings)[0]))
        else:
            report, scope = train(settings)
    index = FaqIndex(settings.index_dir, kb, encoder, settings.device)
    if force:
        index.build(show_progress)
        rebuilt = True
    else:
        rebuilt = index.ensure_built(show_progress)
    ensure_sentence_onnx(settings, encoder)
    locales: dict[str, TrainingReport | FineTuneReport] = {}
    if fine_tune_later and not locales_are_current(settings, kb):
        codes = ", ".join(sorted(kb.locales))
        background.insert(len(background) - 1 if background else 0, BackgroundStep(
            f"training the models of the knowledge base's other languages ({codes})",
            lambda: prepare_locales(settings, kb, show_progress=False)))
    else:
        locales = prepare_locales(settings, kb, show_progress=show_progress, force=force)
    return PrepareResult(report, scope, rebuilt, prepare_credit_risk_model(settings),
                         tuple(background), locales)


def locales_are_current(settings: Settings, kb: KnowledgeBase) -> bool:
    """Whether every locale of the KB has a current intent model (its FAQ index is quick to
    rebuild; the models take most of a minute)."""
    if not kb.locales:
        return True
    if not multilingual_encoder_is_built(settings.multilingual_encoder_dir):
        return False
    encoder = SentenceEncoder(str(settings.multilingual_encoder_dir), settings.device,
                              identity=MULTILINGUAL_ENCODER_ID)
    return all(model_is_current(settings.for_locale(code), view, encoder)
               for code, view in kb.locales.items())


def prepare_locales(settings: Settings, kb: KnowledgeBase, *, show_progress: bool = False,
                    force: bool = False) -> dict[str, TrainingReport | FineTuneReport]:
    """The models of the KB's other languages (`bot.kb.locales`): the multilingual encoder
    (built once from PyPI packages), then per locale a frozen-encoder intent model on the
    locale's examples and an FAQ index of both languages' questions. Returns the reports of
    the models it (re)trained."""
    if not kb.locales:
        return {}
    folder = build_multilingual_encoder(settings.multilingual_encoder_dir)
    encoder = SentenceEncoder(str(folder), settings.device, identity=MULTILINGUAL_ENCODER_ID)
    reports: dict[str, TrainingReport | FineTuneReport] = {}
    for code, view in sorted(kb.locales.items()):
        locale_settings = settings.for_locale(code)
        set_damaged_model_aside(locale_settings.model_dir, explicit=force)
        if force or not model_is_current(locale_settings, view, encoder):
            log.info("training the intent model of locale '%s'", code)
            # Messages to decline: the locale's and the main list. Not the out-of-scope
            # corpora: CLINC150 is English, and on the Chinese dev set it cost 65 s of
            # encoding for no better AUROC (0.999 against 0.998) and a threshold that
            # flagged 77% of the unrelated messages instead of 100%.
            scope_view = replace(view, out_of_scope_corpora=(), out_of_scope_examples=list(
                dict.fromkeys([*view.out_of_scope_examples, *kb.out_of_scope_examples])))
            reports[code], _ = train_intent_model(
                locale_settings, scope_view, encoder, [], [], show_progress=show_progress,
                examples=locale_training_examples(kb, code))
        index = FaqIndex(locale_settings.index_dir, view, encoder, settings.device)
        if force:
            index.build(show_progress)
        else:
            index.ensure_built(show_progress)
    ensure_sentence_onnx(settings, encoder, settings.multilingual_onnx_dir)
    return reports


def set_damaged_model_aside(folder: Path, *, explicit: bool) -> Path | None:
    """A damaged intent model is never trained over in silence. At start (`explicit` False)
    it stops Teller with `DamagedFile`, naming the file and the fix: the folder may be the
    only copy of an approved model, or show a failing disk or tampering, and a model
    retrained on its own may answer customers differently. When training was asked for
    (`teller train`), the folder is moved aside (kept for inspection), the log says where,
    and training goes on. Returns where it went."""
    damage = model_damage(folder)
    if damage is None:
        return None
    if not explicit:
        raise damage
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = folder.with_name(f"{folder.name}.damaged-{stamp}")
    number = 1
    while aside.exists():
        number += 1
        aside = folder.with_name(f"{folder.name}.damaged-{stamp}-{number}")
    os.replace(folder, aside)
    log.warning("intent model file %s is damaged (%s): moved the model folder aside to %s "
                "(delete it once inspected) and training a new one", damage.path,
                damage.problem, aside)
    return aside


def prepare_credit_risk_model(settings: Settings) -> CreditTrainingReport | None:
    """Train the reference credit-risk model into `settings.credit_model_dir` (a few seconds)
    when the settings use it and the folder holds no usable one; a bank's own model (a class
    or a URL) is left alone. Returns the report when it trained."""
    if settings.credit_risk_model.strip() != REFERENCE_SPEC:
        return None
    folder = settings.credit_model_dir
    try:
        read_credit_manifest(folder)
    except ModelNotReady:
        log.info("building the reference credit-risk model in %s", folder)
    else:
        return None
    report = train_credit_risk_model(folder)
    log.info("trained the credit-risk model in %.1f s (out-of-fold AUC %.3f)", report.seconds,
             report.out_of_fold_auc)
    return report


def ensure_sentence_onnx(settings: Settings, encoder: SentenceEncoder,
                         folder: Path | None = None) -> bool:
    """Export the FAQ retrieval encoder to ONNX once per encoder (CPU machines only), into
    `folder` (the main encoder's by default)."""
    folder = folder or settings.sentence_onnx_dir
    manifest = read_manifest(folder) or {}
    if manifest.get("encoder") == encoder.identity and (folder / ONNX_FILE).is_file():
        return True
    if encoder.device != "cpu":
        return False
    log.info("exporting the sentence encoder to ONNX for fast CPU inference")
    return export_sentence_onnx(encoder, folder)
