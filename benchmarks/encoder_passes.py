"""A message's two encoder passes side by side against one after the other, in one process.

The intent model's (fine-tuned) and FAQ retrieval's (frozen) encoders each read every
message. Teller runs them side by side, each with half of torch's threads
(`bot.device.encoder_threads`); before 2026-12-05 they ran one after the other with all of
them. This sends BANKING77 test messages through `Assistant.handle` (each in its own
session), switching between the two ways every 25 messages so that a machine whose speed
drifts (shared cores) weighs on both alike, and prints p50/p90/p99 per message for each.

    python benchmarks/encoder_passes.py [--limit 1000] [--store memory|sqlite]

Uses the fine-tuned model and the exported ONNX graphs in TELLER_DATA_DIR (default .teller).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench_setup import compare_latencies

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.pipeline import Assistant


def side_by_side_or_not(assistant: Assistant, settings: Settings
                        ) -> dict[str, Callable[[], None]]:
    import torch
    from bench_setup import run_passes_side_by_side

    from bot.nlu.onnx_encoder import ONNX_FILE, OnnxEncoder

    parts = assistant.components
    ranker, encoder = parts.classifier.ranker, parts.encoder
    if not parts.classifier.encodes_separately or getattr(ranker, "runtime", "") != "onnxruntime":
        raise SystemExit("needs a fine-tuned intent model on ONNX Runtime (CPU); run `teller "
                         "train` with TELLER_INTENT_MODEL=finetuned first")
    threads = torch.get_num_threads()
    graphs = (settings.model_dir / ONNX_FILE, settings.sentence_onnx_dir / ONNX_FILE)

    def switch(threads_each: int, together: bool) -> Callable[[], None]:
        intent_graph, retrieval_graph = (OnnxEncoder(g, threads_each) for g in graphs)

        def use() -> None:
            # The benchmark swaps the encoders' ONNX sessions in place (private on purpose:
            # the running assistant never changes them).
            ranker._onnx = intent_graph  # type: ignore[attr-defined]
            encoder._onnx = retrieval_graph
            run_passes_side_by_side(assistant, together)

        return use

    print(f"{threads} torch threads")
    return {
        f"side by side, {max(1, threads // 2)} thread(s) each": switch(max(1, threads // 2),
                                                                        True),
        f"one after the other, {threads} thread(s) each": switch(threads, False),
    }


if __name__ == "__main__":
    raise SystemExit(compare_latencies(__doc__.splitlines()[0], side_by_side_or_not))
