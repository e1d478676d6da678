"""Labelled examples from the knowledge base and from CSV/JSONL corpora (BANKING77's format)."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.errors import TrainingDataError
from bot.kb import KnowledgeBase
from bot.text import sentence_key

log = logging.getLogger(__name__)

TEXT_COLUMN = "text"
LABEL_COLUMNS = ("category", "intent", "label")


@dataclass(frozen=True)
class LabelledExample:
    text: str
    label: str
    source: str


def kb_examples(kb: KnowledgeBase) -> list[LabelledExample]:
    return [
        LabelledExample(text, intent.name, "kb")
        for intent in kb.intents.values()
        for text in intent.examples
    ]


def corpus_examples(kb: KnowledgeBase) -> list[LabelledExample]:
    """The rows of the KB's `training_corpora` whose label is one of its intents (a shared
    corpus such as BANKING77 covers more intents than a bank's own KB may have)."""
    examples = []
    for path in kb.corpora:
        rows = file_examples(path)
        kept = [e for e in rows if e.label in kb.intents]
        if len(kept) < len(rows):
            log.info("%s: %d of %d rows used (the others' labels are not intents of the KB)",
                     path.name, len(kept), len(rows))
        examples.extend(kept)
    return examples


def training_examples(kb: KnowledgeBase) -> list[LabelledExample]:
    """What the intent model learns from by default: the KB's examples and its corpora."""
    return kb_examples(kb) + corpus_examples(kb)


def locale_training_examples(kb: KnowledgeBase, code: str) -> list[LabelledExample]:
    """What the intent model of locale `code` learns from: the locale's examples and the
    main language's. The encoder is multilingual, so the main examples teach the locale's
    model too: on the Chinese dev set (benchmarks/zh/dev.jsonl) 95.7% right with both
    against 94.2% with the Chinese examples alone (`benchmarks/locales.py`)."""
    view = kb.in_locale(code)
    own = [LabelledExample(e.text, e.label, f"kb:{code}") for e in kb_examples(view)]
    return deduplicate(own + kb_examples(kb))


def _label_column(columns: list[str], path: Path) -> str:
    for name in LABEL_COLUMNS:
        if name in columns:
            return name
    raise TrainingDataError(
        f"{path}: no label column; expected one of {', '.join(LABEL_COLUMNS)} beside "
        f"'{TEXT_COLUMN}' (found: {', '.join(columns) or 'none'})"
    )


def _rows(path: Path) -> list[tuple[int, dict[str, object]]]:
    """(row number as a person counts it, row) pairs from a CSV (header = row 1) or JSONL file."""
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError as exc:
        raise TrainingDataError(f"{path}: file not found") from exc
    except UnicodeDecodeError as exc:
        bad_line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise TrainingDataError(
            f"{path}: not UTF-8 (line {bad_line}); re-save it as UTF-8"
        ) from exc
    if not raw.strip():
        raise TrainingDataError(f"{path}: file is empty")
    if path.suffix.lower() in {".jsonl", ".json"}:
        rows: list[tuple[int, dict[str, object]]] = []
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise TrainingDataError(f"{path}: line {number} is not JSON ({exc})") from exc
            if not isinstance(item, dict):
                raise TrainingDataError(f"{path}: line {number} is not a JSON object")
            rows.append((number, item))
        return rows
    reader = csv.DictReader(raw.splitlines())
    return [(number, dict(row)) for number, row in enumerate(reader, start=2)]


HUB_PREFIX = "hub:"


def hub_examples(spec: str, known_labels: set[str] | None = None) -> list[LabelledExample]:
    """`hub:<dataset id>[:<split>]` (e.g. hub:PolyAI/banking77:train) through `datasets`,
    for machines with internet; elsewhere a clear error says to use the CSV instead."""
    name, _, split = spec.removeprefix(HUB_PREFIX).partition(":")
    try:
        from datasets import load_dataset

        dataset = load_dataset(name, split=split or "train")
    except Exception as exc:  # offline, unknown dataset, hub error: all mean "not here"
        raise TrainingDataError(
            f"{spec}: could not load '{name}' from the hub ({type(exc).__name__}); on a machine "
            "without internet pass the dataset as a CSV file (text,category) instead"
        ) from exc
    label_feature = dataset.features.get("label")
    names = getattr(label_feature, "names", None)
    examples = []
    for number, row in enumerate(dataset, start=1):
        label = names[row["label"]] if names else str(row["label"])
        if known_labels is not None and label not in known_labels:
            raise TrainingDataError(f"{spec}: row {number}: label '{label}' is not an intent of "
                                    "the knowledge base")
        examples.append(LabelledExample(" ".join(str(row["text"]).split()), label, spec))
    return examples


def file_examples(path: Path, known_labels: set[str] | None = None) -> list[LabelledExample]:
    """Read `text` + `category` (or `intent` / `label`) rows; errors name the file and row.

    `hub:<dataset id>[:<split>]` loads a hub dataset instead (see `hub_examples`)."""
    if str(path).startswith(HUB_PREFIX):
        return hub_examples(str(path), known_labels)
    path = Path(path)
    rows = _rows(path)
    if not rows:
        raise TrainingDataError(f"{path}: no rows after the header")
    columns = list(rows[0][1].keys())
    if TEXT_COLUMN not in columns:
        raise TrainingDataError(f"{path}: no '{TEXT_COLUMN}' column (found: {', '.join(columns)})")
    label_column = _label_column(columns, path)
    examples = []
    for number, row in rows:
        text, label = row.get(TEXT_COLUMN), row.get(label_column)
        if not isinstance(text, str) or not text.strip():
            raise TrainingDataError(f"{path}: row {number}: empty '{TEXT_COLUMN}'")
        if not isinstance(label, str) or not label.strip():
            raise TrainingDataError(f"{path}: row {number}: empty '{label_column}'")
        label = label.strip()
        if known_labels is not None and label not in known_labels:
            raise TrainingDataError(
                f"{path}: row {number}: label '{label}' is not an intent of the knowledge base; "
                "add the intent (with an answer) to the KB or remove these rows"
            )
        examples.append(LabelledExample(" ".join(text.split()), label, path.name))
    return examples


SPLIT_COLUMN = "split"
VALIDATION_SPLITS = {"val", "validation", "dev"}
SCOPE_COLUMN = "scope"
SCOPE_VALUES = ("in", "out")


@dataclass(frozen=True)
class ScopeRow:
    """A message of an out-of-scope corpus: to decline (`out`, the default) or one the
    assistant must not decline (`in`); `validation` rows choose the threshold."""

    text: str
    inside: bool
    validation: bool


def text_rows(path: Path) -> list[str]:
    """The `text` column of a CSV/JSONL file (e.g. unlabelled out-of-scope messages)."""
    return [row.text for row in scope_rows(path)]


def scope_rows(path: Path) -> list[ScopeRow]:
    """The `text` column of a CSV/JSONL file with its optional `split` column (val /
    validation / dev: kept apart to choose a threshold) and `scope` column (in / out)."""
    path = Path(path)
    rows = []
    for number, row in _rows(path):
        text = row.get(TEXT_COLUMN)
        if not isinstance(text, str):
            raise TrainingDataError(f"{path}: row {number}: no '{TEXT_COLUMN}' value")
        scope = str(row.get(SCOPE_COLUMN) or "out").strip().lower()
        if scope not in SCOPE_VALUES:
            raise TrainingDataError(
                f"{path}: row {number}: '{SCOPE_COLUMN}' is '{scope}'; use 'out' for a message "
                "to decline or 'in' for one the assistant answers (empty means 'out')")
        if text.strip():
            split = str(row.get(SPLIT_COLUMN) or "").strip().lower()
            rows.append(ScopeRow(" ".join(text.split()), scope == "in",
                                 split in VALIDATION_SPLITS))
    if not rows:
        raise TrainingDataError(f"{path}: no '{TEXT_COLUMN}' rows")
    return rows


def deduplicate(examples: list[LabelledExample]) -> list[LabelledExample]:
    """Drop repeated (text, label) pairs, keeping the first; order is preserved."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for example in examples:
        key = (sentence_key(example.text), example.label)
        if key not in seen:
            seen.add(key)
            unique.append(example)
    return unique


def check_enough_examples(examples: list[LabelledExample], minimum: int = 2) -> None:
    counts = Counter(e.label for e in examples)
    thin = sorted(label for label, n in counts.items() if n < minimum)
    if thin:
        raise TrainingDataError(
            f"intent(s) with fewer than {minimum} examples: {', '.join(thin)}; "
            "add examples to the knowledge base"
        )
    if len(counts) < 2:
        raise TrainingDataError("training needs at least two intents")


def count_sources(examples: list[LabelledExample]) -> dict[str, int]:
    return dict(Counter(e.source for e in examples))


def examples_hash(examples: list[LabelledExample]) -> str:
    digest = hashlib.sha256()
    for example in examples:
        digest.update(f"{example.label}\t{example.text}\n".encode())
    return digest.hexdigest()


def stratified_split(
    labels: list[str], fraction: float, min_per_label: int, seed: int
) -> tuple[list[int], list[int]]:
    """Indices for train and validation: `fraction` of each label with enough examples."""
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        by_label[label].append(index)
    train, validation = [], []
    for label in sorted(by_label):
        indices = np.array(by_label[label])
        rng.shuffle(indices)
        enough = fraction > 0 and len(indices) >= min_per_label
        n_val = max(1, round(len(indices) * fraction)) if enough else 0
        validation.extend(indices[:n_val].tolist())
        train.extend(indices[n_val:].tolist())
    return sorted(train), sorted(validation)
