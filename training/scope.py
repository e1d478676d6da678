"""Train the out-of-scope detector (see bot.nlu.scope) and choose its threshold.

In-scope messages: every intent training example (KB and corpora). Out-of-scope messages:
the KB's `out_of_scope` list, plus, when given, CLINC150's out-of-scope rows and its
out-of-domain intents (travel bookings, cooking, home, cars, utilities, chit-chat; never its
exchange-rate or travel-notice intents, which a bank answers). The threshold is
the lowest that rejects at most `max_false_rejection` of in-scope validation messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.errors import TrainingDataError
from bot.files import write_json
from bot.nlu.scope import (
    IN_SCOPE_FILE,
    OUT_OF_SCOPE_FILE,
    SCOPE_DIR,
    SCOPE_MANIFEST,
    SHARPNESS,
    Combiner,
    contrast_margins,
)
from training.data import scope_rows

Embed = Callable[[list[str]], np.ndarray]  # texts -> unit-length rows, the model's space

# References kept (in scope, out of scope): about 1.5 ms per message on 2 CPU cores.
MAX_REFERENCES = (8_000, 4_000)
# The share of in-scope validation messages the threshold may flag. 2% rather than 3%: on the
# default model (two seeds, 2026-12-06) the held-out style file's banking messages flagged
# 1.7% -> 0.8% and 2.2% -> 1.7%, its unrelated ones caught 93.9% -> 91.7% and 92.4%, CLINC150
# 91.4% -> 89.6% and 89.8% at 4.3% -> 3.1% and 4.9% -> 3.6% of its banking rows flagged.
MAX_FALSE_REJECTION = 0.02


@dataclass(frozen=True)
class ModelSpace:
    """What a trainer hands the out-of-scope detector: the trained model's embedding, its
    intents' unit vectors (a cosine model; None for others) and the validation texts it
    was not trained on."""

    embed: Embed
    intent_vectors: np.ndarray | None = None
    unseen: list[str] = field(default_factory=list)


# (model folder, model space) -> manifest entries: what a trainer calls to add the
# out-of-scope detector to a model folder.
WriteExtra = Callable[[Path, ModelSpace], dict[str, Any]]


@dataclass
class ScopeData:
    """Extra labelled in/out-of-scope messages for training and for choosing the threshold."""

    in_scope: list[str] = field(default_factory=list)
    out_of_scope: list[str] = field(default_factory=list)
    in_scope_val: list[str] = field(default_factory=list)
    out_of_scope_val: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def corpus_scope_data(path: Path) -> ScopeData:
    """Messages from a CSV/JSONL file with a `text` column (a KB's `out_of_scope_corpora`,
    e.g. the CLINC150 rows shipped with Teller). Its `scope` column says which to decline
    (`out`, the default) and which are banking messages never to decline (`in`); rows whose
    `split` is val choose the threshold, the others are references (and, out of scope,
    messages the fine-tune learns to keep apart)."""
    data = ScopeData(sources=[str(Path(path).resolve())])
    for row in scope_rows(Path(path)):
        if row.inside:
            (data.in_scope_val if row.validation else data.in_scope).append(row.text)
        else:
            (data.out_of_scope_val if row.validation else data.out_of_scope).append(row.text)
    return data


def merge_scope_data(parts: list[ScopeData]) -> ScopeData:
    """One `ScopeData` of several; a message given twice (the shipped CLINC150 rows and
    `--oos-data data_full.json`) counts once."""
    merged = ScopeData()
    for name in ("in_scope", "out_of_scope", "in_scope_val", "out_of_scope_val", "sources"):
        rows = [row for part in parts for row in getattr(part, name)]
        getattr(merged, name).extend(dict.fromkeys(rows))
    return merged


def choose_threshold(
    in_scores: np.ndarray, out_scores: np.ndarray, max_false_rejection: float
) -> float:
    """The lowest threshold that flags at most `max_false_rejection` of in-scope messages."""
    allowed = int(np.floor(max_false_rejection * len(in_scores)))
    ordered = np.sort(in_scores)[::-1]
    # Flag scores >= threshold: sit just above the (allowed+1)-th highest in-scope score.
    candidate = float(ordered[allowed]) + 1e-6 if allowed < len(ordered) else 0.0
    return min(max(candidate, 0.05), 0.95)


def auroc(in_scores: np.ndarray, out_scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    labels = np.r_[np.zeros(len(in_scores)), np.ones(len(out_scores))]
    return float(roc_auc_score(labels, np.r_[in_scores, out_scores]))


@dataclass
class ScopeDetectorArtifacts:
    in_scope: np.ndarray
    out_of_scope: np.ndarray
    threshold: float
    k: int
    metrics: dict[str, float | int | str]
    combiner: Combiner | None = None

    def write(self, model_folder: Path) -> None:
        folder = Path(model_folder) / SCOPE_DIR
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / IN_SCOPE_FILE, self.in_scope)
        np.save(folder / OUT_OF_SCOPE_FILE, self.out_of_scope)
        write_json(folder / SCOPE_MANIFEST,
                   {"threshold": self.threshold, "k": self.k, "metrics": self.metrics,
                    "combiner": asdict(self.combiner) if self.combiner else None})


def train_scope_detector(
    embed: Embed,
    in_scope_texts: list[str],
    kb_out_of_scope: list[str],
    extra: ScopeData | None = None,
    *,
    not_trained_on: list[str] | None = None,
    intent_vectors: np.ndarray | None = None,
    max_references: tuple[int, int] = MAX_REFERENCES,
    k: int = 10,
    max_false_rejection: float = MAX_FALSE_REJECTION,
    validation_fraction: float = 0.05,
    seed: int = 13,
) -> ScopeDetectorArtifacts:
    """Embed the reference examples with the intent model's `embed` and choose the threshold
    on held-out messages.

    Validation: the in-scope examples the intent model was not trained on
    (`not_trained_on`, its validation split), or else a seeded share of them, plus the extra
    in-scope validation rows; and a share of the out-of-scope examples (or the extra
    out-of-scope validation rows); each scored against references that exclude it. A
    fine-tuned model pulls its training examples tight around their intents, so only
    messages it never saw show where a new customer message lands. The threshold rejects at
    most `max_false_rejection` of the in-scope validation messages.

    `intent_vectors` (a cosine intent model's unit intent vectors): the score combines the
    neighbour margin with the cosine to the closest intent, weighed by a logistic regression
    fitted on the validation messages (`bot.nlu.scope.Combiner`).

    `max_references` (in scope, out of scope): every message is compared with every
    reference, so their number sets the detector's time per message (memory-bound: 25,000
    references of 384 floats are 39 MB to read per message, about 3 ms on 2 cores); a
    seeded random share is kept beyond that, after all of the KB's own out-of-scope examples.
    """
    extra = extra or ScopeData()
    out_texts = list(dict.fromkeys([*kb_out_of_scope, *extra.out_of_scope]))
    if not out_texts:
        raise TrainingDataError(
            "no out-of-scope examples: add an `out_of_scope:` list to the knowledge base "
            "(messages the assistant must not answer) or pass --oos-data"
        )
    in_texts = list(dict.fromkeys([*in_scope_texts, *extra.in_scope]))

    rng = np.random.default_rng(seed)
    unseen = set(not_trained_on or [])
    in_held = (np.array([text in unseen for text in in_texts], dtype=bool) if unseen
               else rng.random(len(in_texts)) < validation_fraction)
    out_held = (np.zeros(len(out_texts), dtype=bool) if extra.out_of_scope_val
                else rng.random(len(out_texts)) < 0.2)
    in_kept = _seeded_share(len(in_texts), max_references[0], rng)
    # The KB's own list of messages to decline is the bank's word on what its assistant
    # must not answer: every one of them stays a reference, the corpora fill the rest.
    own_out = len(dict.fromkeys(kb_out_of_scope))
    out_kept = _seeded_share(len(out_texts), max_references[1], rng, first=own_out)
    in_vectors = _embed_rows(embed, in_texts, in_kept | in_held)
    out_vectors = _embed_rows(embed, out_texts, out_kept | out_held)
    val_in = [in_vectors.of(in_held)]
    if extra.in_scope_val:
        val_in.append(embed(extra.in_scope_val))
    val_out = (embed(extra.out_of_scope_val) if extra.out_of_scope_val
               else out_vectors.of(out_held))
    val_in_vectors = np.vstack(val_in)
    if len(val_in_vectors) == 0 or len(val_out) == 0:
        raise TrainingDataError("too few examples to choose an out-of-scope threshold")
    # Validation messages are scored against the references that exclude them.
    reference_in = in_vectors.of(in_kept & ~in_held)
    reference_out = out_vectors.of(out_kept & ~out_held)
    in_margins = contrast_margins(val_in_vectors, reference_in, reference_out, k)[0]
    out_margins = contrast_margins(val_out, reference_in, reference_out, k)[0]
    combiner = None
    if intent_vectors is None:
        in_scores = 1.0 / (1.0 + np.exp(-SHARPNESS * in_margins))
        out_scores = 1.0 / (1.0 + np.exp(-SHARPNESS * out_margins))
    else:
        in_cosines = (val_in_vectors @ intent_vectors.T).max(axis=1)
        out_cosines = (val_out @ intent_vectors.T).max(axis=1)
        combiner = fit_combiner(in_margins, in_cosines, out_margins, out_cosines)
        in_scores = combiner.scores(in_margins, in_cosines)
        out_scores = combiner.scores(out_margins, out_cosines)
    threshold = choose_threshold(in_scores, out_scores, max_false_rejection)
    metrics: dict[str, float | int | str] = {
        "score": "neighbours and top intent cosine" if combiner else "neighbours",
        "validation": "given validation rows" if extra.out_of_scope_val else "held-out examples",
        "validation_in_scope_from": ("the intent model's validation split" if unseen
                                     else "a share of its training examples"),
        "validation_in_scope": len(in_scores),
        "validation_out_of_scope": len(out_scores),
        "validation_auroc": round(auroc(in_scores, out_scores), 4),
        "validation_oos_recall": round(float((out_scores >= threshold).mean()), 4),
        "validation_false_rejection": round(float((in_scores >= threshold).mean()), 4),
        "in_scope_examples": len(in_texts),
        "out_of_scope_examples": len(out_texts),
        "in_scope_references": int(in_kept.sum()),
        "out_of_scope_references": int(out_kept.sum()),
    }
    return ScopeDetectorArtifacts(in_vectors.of(in_kept), out_vectors.of(out_kept), threshold, k,
                                  metrics, combiner)


def _seeded_share(rows: int, most: int, rng: np.random.Generator, first: int = 0) -> np.ndarray:
    """A mask keeping `most` of `rows` rows: the `first` rows (up to `most` of them), then a
    seeded random share of the others (all of them when there are fewer)."""
    kept = np.zeros(rows, dtype=bool)
    always = min(first, most, rows)
    kept[:always] = True
    kept[always + rng.permutation(rows - always)[:most - always]] = True
    return kept


@dataclass(frozen=True)
class _EmbeddedRows:
    """The embeddings of the `needed` rows of a list of texts (only those are embedded),
    picked by row masks over the whole list."""

    needed: np.ndarray  # bool, one per text
    vectors: np.ndarray  # one row per needed text, in order

    def of(self, mask: np.ndarray) -> np.ndarray:
        assert not (mask & ~self.needed).any(), "asked for a row that was not embedded"
        return self.vectors[mask[self.needed]]


def _embed_rows(embed: Embed, texts: list[str], needed: np.ndarray) -> _EmbeddedRows:
    return _EmbeddedRows(needed, embed([texts[i] for i in np.flatnonzero(needed)]))


def fit_combiner(in_margins: np.ndarray, in_cosines: np.ndarray, out_margins: np.ndarray,
                 out_cosines: np.ndarray) -> Combiner:
    """Logistic regression (classes balanced) from (neighbour margin, top intent cosine) to
    "out of scope", on validation messages."""
    from sklearn.linear_model import LogisticRegression

    features = np.r_[np.c_[in_margins, in_cosines], np.c_[out_margins, out_cosines]]
    labels = np.r_[np.zeros(len(in_margins)), np.ones(len(out_margins))]
    model = LogisticRegression(class_weight="balanced", max_iter=1000).fit(features, labels)
    margin, top_cosine = (float(w) for w in model.coef_[0])
    return Combiner(margin=margin, top_cosine=top_cosine, bias=float(model.intercept_[0]))
