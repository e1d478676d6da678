"""FAQ retrieval read from the intent model's vector (one encoder pass a message) against its
own frozen encoder (two passes, side by side, as Teller runs): speed and answers.

Issue 17 lists "avoiding a second pass for FAQ retrieval" among the ways to 5 ms a message.
The fine-tuned intent model's space is trained to put messages on their intent, not to
tell apart the FAQ entries of one intent, and its cosines have another scale than the
frozen all-MiniLM-L6-v2's, on which the policy's thresholds were chosen. So the one-pass
way maps its best-FAQ-match scores onto the frozen scale by quantiles, fitted on the
development style sets (`benchmarks/style_set/dev.csv`, `dev2.csv`), then:

- speed: BANKING77 test messages through `Assistant.handle` (each in its own session), the
  two ways alternating every 25 messages; the one-pass way gives the intent encoder all
  of torch's threads (nothing runs beside it);
- answers: the development dialogue suites (`benchmarks/dialogues/`, `dev2/`, `seen/`,
  `seen2/`, `dev3/`), goals reached each way.

    python benchmarks/one_pass_faq.py [--limit 1000] [--no-suites]

Uses the fine-tuned model in TELLER_DATA_DIR (default .teller), trained first if missing.
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
from bench_setup import DEFAULT_DATA, read_labelled

ROOT = Path(__file__).resolve().parents[1]
STYLE_DEV = [ROOT / "benchmarks" / "style_set" / name for name in ("dev.csv", "dev2.csv")]
SUITES = [ROOT / "benchmarks" / "dialogues" / name
          for name in ("", "dev2", "seen", "seen2", "dev3")]
BLOCK = 25
QUANTILES = np.linspace(0.0, 1.0, 41)


class IntentModelSpace:
    """What `FaqIndex` needs of an encoder, read from the fine-tuned intent model: the FAQ
    index is built from, and searched with, the vectors the intent model computes anyway
    (cached per message, so a message is encoded once). `calibrate` maps its cosines onto
    the frozen encoder's scale once `fit` has seen both."""

    identity = "intent-model-space"
    similarity_floor = 0.0

    def __init__(self, ranker: Any) -> None:
        self.ranker = ranker
        self.device = "cpu"
        self._own: np.ndarray | None = None
        self._frozen: np.ndarray | None = None

    @property
    def dimension(self) -> int:
        return int(self.ranker.intent_matrix.shape[1])

    def warm_up(self) -> None:
        self.ranker.warm_up()

    def encode(self, texts: list[str], show_progress_bar: bool = False) -> np.ndarray:
        return self.ranker.embed(list(texts))

    def encode_many(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return self.ranker.embed(list(texts))

    def fit(self, own_best: np.ndarray, frozen_best: np.ndarray) -> None:
        """Quantile map from this space's best-FAQ scores to the frozen encoder's, over the
        same messages."""
        self._own = np.quantile(own_best, QUANTILES)
        self._frozen = np.quantile(frozen_best, QUANTILES)

    def calibrate(self, similarities: np.ndarray) -> np.ndarray:
        if self._own is None or self._frozen is None:
            return similarities
        return np.interp(similarities, self._own, self._frozen).astype(similarities.dtype)


def best_faq_scores(index: Any, texts: list[str]) -> np.ndarray:
    return np.array([faq[0].score if faq else 0.0 for faq, _ in index.search_all(texts)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--no-suites", action="store_true",
                        help="time only; skip the dialogue suites")
    args = parser.parse_args()

    import torch
    from bench_setup import (
        alternating_latencies,
        bench_settings,
        print_latencies,
        ready_assistant,
        run_passes_side_by_side,
    )

    from bot.nlu.onnx_encoder import ONNX_FILE, OnnxEncoder
    from bot.retrieval.faq_index import FaqIndex
    from training.dialogue_eval import build_report, load_suite, run_suite

    rows = read_labelled(args.data, args.limit)
    settings = bench_settings("memory")
    assistant = ready_assistant(settings, in_memory=True)
    parts = assistant.components
    ranker = parts.classifier.ranker
    if not parts.classifier.encodes_separately or getattr(ranker, "runtime", "") != "onnxruntime":
        raise SystemExit("needs a fine-tuned intent model on ONNX Runtime (CPU); run `teller "
                         "train` with TELLER_INTENT_MODEL=finetuned first")
    threads = torch.get_num_threads()
    shipped_graph = ranker._onnx
    whole_graph = OnnxEncoder(settings.model_dir / ONNX_FILE, threads)
    frozen_index = parts.faq_index
    space = IntentModelSpace(ranker)
    one_pass_index = FaqIndex(Path(tempfile.mkdtemp(prefix="teller-one-pass-")), parts.kb,
                              space, "cpu")  # type: ignore[arg-type]
    one_pass_index.ensure_built()
    style_texts = []
    for path in STYLE_DEV:
        with open(path, encoding="utf-8") as handle:
            style_texts += [row["text"] for row in csv.DictReader(handle)]
    space.fit(best_faq_scores(one_pass_index, style_texts),
              best_faq_scores(frozen_index, style_texts))
    ways = {  # name: (intent graph, FAQ index, side by side)
        "two passes side by side (shipped)": (shipped_graph, frozen_index, True),
        f"one pass, {threads} thread(s)": (whole_graph, one_pass_index, False),
    }

    def use(name: str) -> None:
        # Swaps the intent model's ONNX session and the FAQ index in place (private on
        # purpose: a running assistant never changes them).
        graph, index, together = ways[name]
        ranker._onnx = graph
        parts.faq_index = index
        run_passes_side_by_side(assistant, together)

    names = list(ways)
    latencies = alternating_latencies(assistant, [text for text, _ in rows], names, use,
                                      BLOCK)
    print(f"{len(rows)} messages each, {threads} torch threads, {os.cpu_count()} CPUs")
    print_latencies(latencies)
    if args.no_suites:
        return 0
    for name in names:
        use(name)
        reached = []
        for suite in SUITES:
            report = build_report(run_suite(assistant, load_suite(suite)))
            reached.append((suite.name or "dialogues", report.succeeded, len(report.results)))
        total = sum(r for _, r, _ in reached), sum(n for _, _, n in reached)
        print(f"{name:36s} goals reached " + ", ".join(f"{s} {r}/{n}" for s, r, n in reached)
              + f"; all {total[0]}/{total[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
