"""Evaluate the current intent model: accuracy, macro-F1, confusions, calibration, and
out-of-scope detection. Writes a JSON report, a reliability diagram and a confusion plot.

Used by `teller eval` and by the benchmarks.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from bot.nlu.recognizer import IntentRecognizer
from training.calibration import expected_calibration_error
from training.data import file_examples, text_rows
from training.scope import auroc

CLINC_FILE = "data_full.json"


@dataclass
class OutOfScopeReport:
    source: str
    in_scope_messages: int
    out_of_scope_messages: int
    auroc: float
    threshold: float
    oos_recall: float
    in_scope_false_rejection: float
    accuracy_with_rejection: float
    accuracy_loss_points: float


@dataclass
class EvaluationReport:
    data: str
    messages: int
    accuracy: float
    macro_f1: float
    expected_calibration_error: float
    most_confused: list[dict[str, Any]]
    unknown_labels: dict[str, int] = field(default_factory=dict)
    out_of_scope: OutOfScopeReport | None = None
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


def load_oos_messages(path: Path) -> tuple[list[str], list[str], str]:
    """(in-scope, out-of-scope) test messages. CLINC150's data_full.json gives its oos_test
    rows against its banking and credit-card test rows; a CSV/JSONL gives `text` rows, all
    out of scope."""
    path = Path(path)
    if path.name == CLINC_FILE:
        from training.clinc import CLINC_IN_SCOPE_DOMAINS

        data = json.loads(path.read_text(encoding="utf-8"))
        domains = json.loads(path.with_name("domains.json").read_text(encoding="utf-8"))
        banking = {i for d in CLINC_IN_SCOPE_DOMAINS for i in domains[d]}
        inside = [text for text, intent in data["test"] if intent in banking]
        outside = [text for text, _ in data["oos_test"]]
        return inside, outside, f"{path} (oos_test vs banking + credit_cards test)"
    return [], text_rows(path), str(path)


def _macro_f1(truth: list[str], predicted: list[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(truth, predicted, average="macro", labels=sorted(set(truth))))


def evaluate(
    recognizer: IntentRecognizer, data_file: Path, oos_file: Path | None = None,
    out_dir: Path | None = None,
) -> EvaluationReport:
    examples = file_examples(Path(data_file))
    labels = recognizer.labels
    known = set(labels)
    unknown = Counter(e.label for e in examples if e.label not in known)
    texts = [e.text for e in examples]
    truth = [e.label for e in examples]
    probs = recognizer.probabilities(texts)
    predicted = [labels[i] for i in probs.argmax(1)]
    correct = np.array([p == t for p, t in zip(predicted, truth, strict=True)])
    confidence = probs.max(1)
    confusions = Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p)
    report = EvaluationReport(
        data=str(data_file), messages=len(examples), accuracy=round(float(correct.mean()), 4),
        macro_f1=round(_macro_f1(truth, predicted), 4),
        expected_calibration_error=round(expected_calibration_error(confidence, correct), 4),
        most_confused=[{"true": t, "predicted": p, "count": n}
                       for (t, p), n in confusions.most_common(10)],
        unknown_labels=dict(unknown),
    )
    if oos_file is not None:
        report.out_of_scope = _evaluate_scope(recognizer, texts, correct, oos_file)
    if out_dir is not None:
        write_report(report, confidence, correct, truth, predicted, out_dir)
    return report


def _evaluate_scope(
    recognizer: IntentRecognizer, in_texts: list[str], correct: np.ndarray, oos_file: Path
) -> OutOfScopeReport:
    extra_in, outside, source = load_oos_messages(oos_file)
    data_scores = recognizer.scope_scores(in_texts)
    extra_scores = recognizer.scope_scores(extra_in)
    in_scores = np.r_[data_scores, extra_scores]
    out_scores = recognizer.scope_scores(outside)
    threshold = recognizer.scope.threshold
    reference = extra_scores if extra_in else data_scores
    with_rejection = float((correct & (data_scores < threshold)).mean())
    return OutOfScopeReport(
        source=source, in_scope_messages=len(reference), out_of_scope_messages=len(outside),
        auroc=round(auroc(reference, out_scores), 4), threshold=round(threshold, 4),
        oos_recall=round(float((out_scores >= threshold).mean()), 4),
        in_scope_false_rejection=round(float((in_scores >= threshold).mean()), 4),
        accuracy_with_rejection=round(with_rejection, 4),
        accuracy_loss_points=round(100 * (float(correct.mean()) - with_rejection), 2),
    )


def write_report(
    report: EvaluationReport, confidence: np.ndarray, correct: np.ndarray,
    truth: list[str], predicted: list[str], out_dir: Path,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(asdict(report), indent=2) + "\n")

    edges = np.linspace(0, 1, 11)
    centres, accuracy, counts = [], [], []
    for low, high in pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            centres.append((low + high) / 2)
            accuracy.append(correct[inside].mean())
            counts.append(int(inside.sum()))
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfectly calibrated")
    ax.bar(centres, accuracy, width=0.09, alpha=0.7, label="accuracy in bin")
    ax.set(xlabel="confidence", ylabel="accuracy", xlim=(0, 1), ylim=(0, 1),
           title=f"Reliability (ECE {report.expected_calibration_error:.3f})")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(out_dir / "reliability.png", dpi=120)
    plt.close(fig)

    labels = sorted(set(truth) | set(predicted))
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)))
    for t, p in zip(truth, predicted, strict=True):
        matrix[index[t], index[p]] += 1
    matrix /= np.maximum(matrix.sum(1, keepdims=True), 1)
    size = max(6, len(labels) * 0.16)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=5)
    ax.set_yticks(range(len(labels)), labels, fontsize=5)
    ax.set(xlabel="predicted", ylabel="true", title=f"Confusion (accuracy {report.accuracy:.1%})")
    fig.tight_layout()
    fig.savefig(out_dir / "confusion.png", dpi=120)
    plt.close(fig)
