"""How well an intent model understands messages from several sources, in one table.

One column group per source:

- a labelled CSV/JSONL (`text` + `category`; rows labelled `out_of_scope` are messages the
  assistant must decline): top-1 accuracy on the in-scope rows, the share of in-scope rows
  the out-of-scope detector flags (false rejection), and, when the file has declined rows,
  out-of-scope recall at the model's threshold and AUROC;
- CLINC150's `data_full.json`: its oos_test rows against its banking and credit-card test
  rows (AUROC, recall and false rejection at the model's threshold).

Every message is read once (one encoder pass); intent and scope scores come from the same
vector, as in the running assistant. Used by `teller eval --data A --data B ...` and
`benchmarks/understanding.py` (one row per model).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.nlu.recognizer import IntentRecognizer
from training.data import file_examples, text_rows
from training.evaluate import CLINC_FILE, load_oos_messages
from training.scope import auroc

OUT_OF_SCOPE_LABEL = "out_of_scope"


@dataclass(frozen=True)
class SetScore:
    """One model on one source. Fractions in 0..1; None where the source has no such rows."""

    source: str
    in_scope: int
    out_of_scope: int
    accuracy: float | None  # top-1 on in-scope rows whose label the model knows
    false_rejection: float | None  # in-scope rows flagged out of scope
    oos_recall: float | None  # out-of-scope rows flagged
    auroc: float | None
    unknown_labels: int = 0  # in-scope rows whose label the model does not have (skipped)


def source_name(path: Path) -> str:
    """A short column name: `banking77/test`, `style_set/heldout`, `clinc150`."""
    path = Path(path)
    if path.name == CLINC_FILE:
        return path.parent.name or "clinc150"
    return f"{path.parent.name}/{path.stem}" if path.parent.name else path.stem


def score_source(recognizer: IntentRecognizer, path: Path,
                 all_out_of_scope: bool = False) -> SetScore:
    """`all_out_of_scope`: every row of the file (its `text` column) must be declined, like
    `teller eval --oos FILE`; CLINC150's data_full.json is recognised by its name."""
    recognizer.warm_up()
    threshold = recognizer.scope.threshold
    if all_out_of_scope and Path(path).name != CLINC_FILE:
        out_scores = recognizer.scope_scores(text_rows(Path(path)))
        return SetScore(source_name(path), 0, len(out_scores), accuracy=None,
                        false_rejection=None,
                        oos_recall=float((out_scores >= threshold).mean()), auroc=None)
    if Path(path).name == CLINC_FILE:
        inside, outside, _ = load_oos_messages(path)
        in_scores = recognizer.scope_scores(inside)
        out_scores = recognizer.scope_scores(outside)
        return SetScore(
            source_name(path), len(inside), len(outside), accuracy=None,
            false_rejection=float((in_scores >= threshold).mean()),
            oos_recall=float((out_scores >= threshold).mean()),
            auroc=auroc(in_scores, out_scores),
        )
    examples = file_examples(Path(path))
    known = set(recognizer.labels)
    declined = [e.text for e in examples if e.label == OUT_OF_SCOPE_LABEL]
    labelled = [e for e in examples if e.label != OUT_OF_SCOPE_LABEL]
    usable = [e for e in labelled if e.label in known]
    probabilities, in_scores = recognizer.read([e.text for e in usable])
    out_scores = recognizer.scope_scores(declined)
    predicted = [recognizer.labels[i] for i in probabilities.argmax(1)] if usable else []
    accuracy = (float(np.mean([p == e.label for p, e in zip(predicted, usable, strict=True)]))
                if usable else None)
    return SetScore(
        source_name(path), len(usable), len(declined), accuracy=accuracy,
        false_rejection=float((in_scores >= threshold).mean()) if usable else None,
        oos_recall=float((out_scores >= threshold).mean()) if declined else None,
        auroc=auroc(in_scores, out_scores) if usable and declined else None,
        unknown_labels=len(labelled) - len(usable),
    )


def score_sources(recognizer: IntentRecognizer, paths: list[Path],
                  out_of_scope: Path | None = None) -> list[SetScore]:
    scores = [score_source(recognizer, path) for path in paths]
    if out_of_scope is not None:
        scores.append(score_source(recognizer, out_of_scope, all_out_of_scope=True))
    return scores


def _cells(score: SetScore) -> list[str]:
    def percent(value: float | None) -> str:
        return "–" if value is None else f"{100 * value:.1f}%"

    cells = []
    if score.accuracy is not None:
        cells += [percent(score.accuracy), percent(score.false_rejection)]
    if score.oos_recall is not None:
        if score.accuracy is None:
            cells.append(percent(score.false_rejection))
        cells += [percent(score.oos_recall), "–" if score.auroc is None else f"{score.auroc:.4f}"]
    return cells


def _headers(score: SetScore) -> list[str]:
    name = score.source
    headers = []
    if score.accuracy is not None:
        headers += [f"{name} right ({score.in_scope})", f"{name} flagged out of scope"]
    if score.oos_recall is not None:
        if score.accuracy is None:
            headers.append(f"{name} in-scope flagged ({score.in_scope})")
        headers += [f"{name} out-of-scope recall ({score.out_of_scope})", f"{name} AUROC"]
    return headers


def render_table(rows: list[tuple[str, list[SetScore]]]) -> str:
    """A Markdown table: one row per model, the same sources (in the same order) in each."""
    if not rows:
        return ""
    headers = ["model", *[h for score in rows[0][1] for h in _headers(score)]]
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    for name, scores in rows:
        lines.append("| " + " | ".join([name, *[c for s in scores for c in _cells(s)]]) + " |")
    notes = [f"{s.source}: {s.unknown_labels} rows with labels the model does not know, "
             "left out" for _, scores in rows for s in scores if s.unknown_labels]
    return "\n".join(lines + sorted(set(notes)))
