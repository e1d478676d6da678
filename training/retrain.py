"""One retraining cycle: dataset -> candidate -> evaluation against the serving model on the
same held-out set -> gate -> registry (promoted or kept with the reason).

The dataset is the KB's examples, the base corpora the serving model was trained with, and
the reviewed log examples outside their held-out slice, built with `datasets`. The held-out
set is a frozen slice of `settings.retrain_holdout_data` (copied into the registry at the
first run, so it never moves) plus the reviewed examples' held-out slice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bot.config import Settings
from bot.dialogue.review import LogExampleStore
from bot.errors import TrainingDataError
from bot.files import MANIFEST, read_manifest, write_json
from bot.kb import KnowledgeBase
from bot.nlu.encoder import SentenceEncoder
from bot.nlu.recognizer import IntentRecognizer, load_recognizer
from bot.retrieval.faq_index import FaqIndex
from training.data import (
    HUB_PREFIX,
    LabelledExample,
    deduplicate,
    examples_hash,
    file_examples,
    stratified_split,
    training_examples,
)
from training.evaluate import _macro_f1
from training.finetune import FineTuneConfig
from training.prepare import MODEL_KINDS, train_intent_model
from training.registry import (
    MODEL_SUBDIR,
    REPORT_FILE,
    ModelRegistry,
    VersionInfo,
)

log = logging.getLogger(__name__)
FROZEN_FILE = "frozen-holdout.jsonl"
DATASETS = "datasets"


@dataclass(frozen=True)
class RetrainConfig:
    tolerance: float = 0.005
    intent_tolerance: float = 0.10
    min_intent_examples: int = 10
    intent_significance: float = 0.05
    promote: bool = True
    force: bool = False  # retrain even when nothing changed since the last version
    shuffle_labels: bool = False  # a drill: a deliberately damaged candidate the gate must refuse
    base_files: tuple[Path, ...] | None = None  # None: the serving model's corpora
    finetune: FineTuneConfig | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> RetrainConfig:
        return cls(tolerance=settings.retrain_tolerance,
                   intent_tolerance=settings.retrain_intent_tolerance,
                   min_intent_examples=settings.retrain_min_intent_examples,
                   intent_significance=settings.retrain_intent_significance, **overrides)


@dataclass
class ModelScore:
    accuracy: float
    macro_f1: float
    per_intent: dict[str, dict[str, float]]  # intent -> {"n": rows, "accuracy": ...}
    confusions: dict[str, int]  # "true -> predicted" -> count
    # Per intent, each held-out row in order: "1" right, "0" wrong. Two models scored on the
    # same held-out set can then be compared row by row (see `gate`).
    outcomes: dict[str, str] = field(default_factory=dict)


@dataclass
class GateDecision:
    promote: bool
    reasons: list[str]


@dataclass
class RetrainReport:
    version: str
    created_at: str
    kind: str
    training_examples: dict[str, int]
    holdout: dict[str, int]
    candidate: ModelScore
    current: ModelScore | None
    overall_delta: float | None
    per_intent_delta: dict[str, float]
    new_confusions: dict[str, int]
    decision: GateDecision
    promoted: bool
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Skipped:
    """Nothing changed since version `version` (same data, KB and model kind)."""

    version: str


def frozen_holdout(settings: Settings, registry: ModelRegistry, kb: KnowledgeBase,
                   ) -> list[LabelledExample]:
    """The frozen slice: drawn once (seeded, stratified) and stored in the registry."""
    path = registry.root / FROZEN_FILE
    if not path.is_file() and settings.retrain_holdout_data is not None:
        rows = [e for e in file_examples(settings.retrain_holdout_data) if e.label in kb.intents]
        fraction = min(1.0, settings.retrain_holdout_size / max(len(rows), 1))
        if fraction < 1.0:
            _, chosen = stratified_split([e.label for e in rows], fraction, 1, seed=77)
            rows = [rows[i] for i in chosen]
        registry.root.mkdir(parents=True, exist_ok=True)
        staged = path.with_suffix(".tmp")
        staged.write_text("".join(json.dumps({"text": e.text, "intent": e.label}) + "\n"
                                  for e in rows), encoding="utf-8")
        staged.replace(path)
    if not path.is_file():
        return []
    return [e for e in file_examples(path) if e.label in kb.intents]


def score(recognizer: IntentRecognizer, examples: list[LabelledExample]) -> ModelScore:
    labels = recognizer.labels
    truth = [e.label for e in examples]
    probs = recognizer.probabilities([e.text for e in examples])
    predicted = [labels[i] for i in probs.argmax(1)]
    per_intent: dict[str, dict[str, float]] = {}
    outcomes: dict[str, str] = {}
    for intent in sorted(set(truth)):
        rows = [p == t for p, t in zip(predicted, truth, strict=True) if t == intent]
        per_intent[intent] = {"n": len(rows), "accuracy": round(float(np.mean(rows)), 4)}
        outcomes[intent] = "".join("1" if right else "0" for right in rows)
    confusions = Counter(f"{t} -> {p}" for t, p in zip(truth, predicted, strict=True) if t != p)
    correct = np.mean([p == t for p, t in zip(predicted, truth, strict=True)])
    return ModelScore(round(float(correct), 4), round(_macro_f1(truth, predicted), 4),
                      per_intent, dict(confusions.most_common(50)), outcomes)


def sign_test_p(lost: int, gained: int) -> float:
    """One-sided exact sign test: the chance of at least `lost` of the `lost + gained`
    changed rows going against the candidate if both models were equally good."""
    total = lost + gained
    if total == 0:
        return 1.0
    return sum(math.comb(total, k) for k in range(lost, total + 1)) / 2 ** total


def gate(candidate: ModelScore, current: ModelScore | None, config: RetrainConfig
         ) -> GateDecision:
    """Promote unless the candidate is worse beyond tolerance, overall or on any intent
    with at least `min_intent_examples` held-out rows.

    An intent has few held-out rows (BANKING77: ~13 per intent in 1,000), so two rows that
    flip from right to wrong already cost 15 points. Where both models' row-by-row outcomes
    are known, an intent counts as worse only if its drop is also significant: a one-sided
    sign test over the rows the models disagree on, at `intent_significance`."""
    if current is None:
        return GateDecision(True, ["no serving model to compare with"])
    reasons = []
    if candidate.accuracy < current.accuracy - config.tolerance:
        reasons.append(f"overall accuracy {candidate.accuracy:.4f} < serving "
                       f"{current.accuracy:.4f} - tolerance {config.tolerance}")
    for intent, theirs in current.per_intent.items():
        ours = candidate.per_intent.get(intent)
        if ours is None or theirs["n"] < config.min_intent_examples:
            continue
        if ours["accuracy"] >= theirs["accuracy"] - config.intent_tolerance:
            continue
        mine, yours = candidate.outcomes.get(intent), current.outcomes.get(intent)
        significance = ""
        if mine is not None and yours is not None and len(mine) == len(yours):
            lost = sum(a == "0" and b == "1" for a, b in zip(mine, yours, strict=True))
            gained = sum(a == "1" and b == "0" for a, b in zip(mine, yours, strict=True))
            p_value = sign_test_p(lost, gained)
            if p_value >= config.intent_significance:
                continue  # within what chance alone does to so few rows
            significance = f" (lost {lost} rows, gained {gained}, p={p_value:.3f})"
        reasons.append(f"intent {intent}: accuracy {ours['accuracy']:.4f} < serving "
                       f"{theirs['accuracy']:.4f} - tolerance {config.intent_tolerance}"
                       f"{significance}")
    return GateDecision(not reasons, reasons or ["not worse than the serving model"])


def _base_files(settings: Settings, registry: ModelRegistry, config: RetrainConfig
                ) -> list[Path]:
    """The corpora to keep training on; earlier reviewed datasets are rebuilt, not reused."""
    if config.base_files is not None:
        return list(config.base_files)
    manifest = read_manifest(settings.model_dir) or {}
    datasets_dir = str((registry.root / DATASETS).resolve())
    return [Path(p) for p in manifest.get("data_files", [])
            if not p.startswith(datasets_dir)
            and (p.startswith(HUB_PREFIX) or Path(p).is_file())]


def _save_dataset(rows: list[LabelledExample], folder: Path) -> list[Path]:
    """The reviewed training rows as a `datasets` JSONL file, content-addressed so the
    serving model's manifest can point at it for automatic retrains at start."""
    if not rows:
        return []
    from datasets import Dataset

    path = folder / f"reviewed-{examples_hash(rows)[:16]}.jsonl"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        staged = folder / f".{path.name}.tmp"
        Dataset.from_list([{"text": e.text, "intent": e.label} for e in rows]).to_json(
            staged, lines=True)
        staged.replace(path)
    return [path]


def retrain(settings: Settings, kb: KnowledgeBase, encoder: SentenceEncoder,
            config: RetrainConfig | None = None, *, show_progress: bool = False,
            ) -> RetrainReport | Skipped:
    config = config or RetrainConfig.from_settings(settings)
    registry = ModelRegistry(settings)
    started = time.perf_counter()
    stages: dict[str, float] = {}
    with registry.lock():
        registry.recover()
        registry.import_serving_model()
        frozen = frozen_holdout(settings, registry, kb)
        reviewed = [r for r in LogExampleStore(settings.resolved_database_url).reviewed()
                    if r.intent in kb.intents]
        reviewed_train = [LabelledExample(r.text, r.intent, "reviewed")
                          for r in reviewed if not r.holdout]
        reviewed_holdout = [LabelledExample(r.text, r.intent, "reviewed")
                            for r in reviewed if r.holdout]
        holdout = frozen + reviewed_holdout
        if not holdout:
            raise TrainingDataError(
                "no held-out set to compare models on: set TELLER_RETRAIN_HOLDOUT_DATA to a "
                "labelled file (e.g. BANKING77's test.csv) or review more log examples")
        base = _base_files(settings, registry, config)
        known = set(kb.intents)
        examples = training_examples(kb)
        for path in base:
            examples.extend(file_examples(path, known_labels=known))
        examples = deduplicate(examples + reviewed_train)
        from datasets import Dataset

        dataset = Dataset.from_list([asdict(e) for e in examples])
        if config.shuffle_labels:
            labels = list(dataset["label"])
            random.Random(7).shuffle(labels)
            dataset = dataset.remove_columns("label").add_column("label", labels)
        examples = [LabelledExample(r["text"], r["label"], r["source"]) for r in dataset]
        kind = MODEL_KINDS[settings.intent_model]
        fingerprint = hashlib.sha256("|".join([
            examples_hash(examples), kb.intents_hash, kind, examples_hash(holdout),
        ]).encode()).hexdigest()
        if not config.force:
            for info in registry.versions():
                if info.fingerprint == fingerprint:
                    log.info("nothing new since version %s; not retraining", info.name)
                    return Skipped(info.name)
        stages["dataset"] = round(time.perf_counter() - started, 2)

        name = registry.free_name(fingerprint)
        dataset_files = _save_dataset(reviewed_train, registry.root / DATASETS)
        oos = [Path(p) for p in (read_manifest(settings.model_dir) or {}).get("oos_files", [])
               if Path(p).is_file()]
        with registry.staging() as folder:
            staged = settings.model_copy(update={"data_dir": folder})
            log.info("training candidate %s on %d examples", name, len(examples))
            train_intent_model(staged, kb, encoder, [*base, *dataset_files], oos,
                               show_progress=show_progress, finetune_config=config.finetune,
                               examples=examples)
            manifest = read_manifest(staged.model_dir) or {}
            manifest["registry_version"] = name
            write_json(staged.model_dir / MANIFEST, manifest)
            stages["train"] = round(time.perf_counter() - started - sum(stages.values()), 2)

            candidate = score(load_recognizer(folder / MODEL_SUBDIR, encoder, settings.device),
                              holdout)
            current = None
            if read_manifest(settings.model_dir) is not None:
                current = score(load_recognizer(settings.model_dir, encoder, settings.device),
                                holdout)
            decision = gate(candidate, current, config)
            stages["evaluate"] = round(time.perf_counter() - started - sum(stages.values()), 2)

            index = FaqIndex(folder / "index", kb, encoder, settings.device)
            index.build()
            report = RetrainReport(
                version=name, created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                kind=kind, training_examples=dict(Counter(e.source for e in examples)),
                holdout={"frozen": len(frozen), "reviewed": len(reviewed_holdout)},
                candidate=candidate, current=current,
                overall_delta=(round(candidate.accuracy - current.accuracy, 4)
                               if current else None),
                per_intent_delta={
                    i: round(s["accuracy"] - current.per_intent[i]["accuracy"], 4)
                    for i, s in candidate.per_intent.items()
                } if current else {},
                new_confusions={k: n for k, n in candidate.confusions.items()
                                if not current or k not in current.confusions},
                decision=decision, promoted=False,
                seconds=round(time.perf_counter() - started, 2), stages=stages,
            )
            write_json(folder / REPORT_FILE, asdict(report))
            registry.write_info(folder, VersionInfo(
                name, report.created_at, "candidate" if decision.promote else "refused",
                kind=kind, fingerprint=fingerprint, reasons=decision.reasons,
                metrics={"accuracy": candidate.accuracy, "macro_f1": candidate.macro_f1,
                         "serving_accuracy": current.accuracy if current else None}))
            registry.publish(folder, name)
        if decision.promote and config.promote:
            registry.promote(name)
            report.promoted = True
            write_json(registry.root / name / REPORT_FILE, asdict(report))
        report.seconds = round(time.perf_counter() - started, 2)
        log.info("candidate %s: accuracy %.4f (serving %s): %s", name, candidate.accuracy,
                 f"{current.accuracy:.4f}" if current else "none",
                 "promoted" if report.promoted else "; ".join(decision.reasons))
        return report
