"""Train intent classifier v1: logistic regression on frozen sentence embeddings.

Steps: deduplicate -> encode -> stratified train/validation split (seeded) -> fit -> fit a
softmax temperature on validation (calibration) -> refit on all data -> save atomically.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bot.files import LABELS, MANIFEST, atomic_folder, library_versions, write_json
from bot.nlu.embedding_classifier import HEAD_FILE, KIND
from bot.nlu.encoder import SentenceEncoder
from training.calibration import fit_temperature
from training.data import (
    LabelledExample,
    check_enough_examples,
    count_sources,
    deduplicate,
    examples_hash,
    stratified_split,
)
from training.scope import ModelSpace, WriteExtra

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HeadTrainingConfig:
    regularisation_c: float = 20.0
    validation_fraction: float = 0.1
    min_examples_for_validation: int = 5
    seed: int = 13
    max_iter: int = 2000


@dataclass
class TrainingReport:
    examples: int
    labels: int
    validation_examples: int
    validation_accuracy: float | None
    temperature: float
    seconds: float
    sources: dict[str, int] = field(default_factory=dict)


def _fit(vectors: np.ndarray, targets: np.ndarray, config: HeadTrainingConfig):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=config.regularisation_c, max_iter=config.max_iter)
    model.fit(vectors, targets)
    return model


def train_embedding_classifier(
    examples: list[LabelledExample],
    encoder: SentenceEncoder,
    output_dir: Path,
    *,
    kb_intents_hash: str,
    data_files: list[str] | None = None,
    config: HeadTrainingConfig | None = None,
    show_progress: bool = True,
    write_extra: WriteExtra | None = None,
    extra_manifest: dict[str, object] | None = None,
) -> TrainingReport:
    config = config or HeadTrainingConfig()
    started = time.perf_counter()
    examples = deduplicate(examples)
    check_enough_examples(examples)
    labels = sorted({e.label for e in examples})
    label_index = {label: i for i, label in enumerate(labels)}
    targets = np.array([label_index[e.label] for e in examples])

    log.info("encoding %d training examples", len(examples))
    vectors = encoder.encode_remembered([e.text for e in examples],
                                        show_progress_bar=show_progress)

    train_idx, val_idx = stratified_split(
        [e.label for e in examples], config.validation_fraction,
        config.min_examples_for_validation, config.seed,
    )
    temperature, val_accuracy = 1.0, None
    if val_idx:
        held_out = _fit(vectors[train_idx], targets[train_idx], config)
        val_logits = held_out.decision_function(vectors[val_idx])
        # sklearn orders classes by value; our targets are 0..n-1, so map its columns back.
        full = np.full((len(val_idx), len(labels)), -1e9, dtype=np.float64)
        full[:, held_out.classes_] = val_logits
        val_accuracy = float(np.mean(full.argmax(axis=1) == targets[val_idx]))
        temperature = fit_temperature(full, targets[val_idx])
    final = _fit(vectors, targets, config)
    if len(final.classes_) != len(labels):
        raise AssertionError("every label must appear in the final training set")

    report = TrainingReport(
        examples=len(examples), labels=len(labels), validation_examples=len(val_idx),
        validation_accuracy=val_accuracy, temperature=temperature,
        seconds=round(time.perf_counter() - started, 2), sources=count_sources(examples),
    )
    with atomic_folder(output_dir) as folder:
        np.savez(
            folder / HEAD_FILE, weights=final.coef_.astype(np.float32),
            bias=final.intercept_.astype(np.float32), temperature=np.float32(temperature),
        )
        # Not a cosine model, and its final head is fitted on every example (none unseen).
        added = (write_extra(folder, ModelSpace(encoder.encode_remembered))
                 if write_extra is not None else {})
        write_json(folder / LABELS, labels)
        write_json(
            folder / MANIFEST,
            {
                "kind": KIND,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "encoder": encoder.identity,
                "kb_intents_hash": kb_intents_hash,
                "data_files": data_files or [],
                "training_data_hash": examples_hash(examples),
                "config": asdict(config),
                "metrics": asdict(report),
                "versions": library_versions(),
                **(extra_manifest or {}),
                **added,
            },
        )
    return report
