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

import argparse
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench_setup import DEFAULT_DATA

BLOCK = 25


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--store", choices=["memory", "sqlite"], default="memory")
    args = parser.parse_args()

    import torch
    from bench_setup import (
        alternating_latencies,
        bench_settings,
        print_latencies,
        read_labelled,
        ready_assistant,
        run_passes_side_by_side,
    )

    from bot.nlu.onnx_encoder import ONNX_FILE, OnnxEncoder

    rows = read_labelled(args.data, args.limit)
    settings = bench_settings(args.store)
    assistant = ready_assistant(settings, in_memory=args.store == "memory")
    parts = assistant.components
    ranker, encoder = parts.classifier.ranker, parts.encoder
    if not parts.classifier.encodes_separately or getattr(ranker, "runtime", "") != "onnxruntime":
        raise SystemExit("needs a fine-tuned intent model on ONNX Runtime (CPU); run `teller "
                         "train` with TELLER_INTENT_MODEL=finetuned first")
    threads = torch.get_num_threads()
    graphs = (settings.model_dir / ONNX_FILE, settings.sentence_onnx_dir / ONNX_FILE)
    ways = {  # name: (intent graph, retrieval graph, side by side)
        f"side by side, {max(1, threads // 2)} thread(s) each": (
            *(OnnxEncoder(g, max(1, threads // 2)) for g in graphs), True),
        f"one after the other, {threads} thread(s) each": (
            *(OnnxEncoder(g, threads) for g in graphs), False),
    }

    def use(name: str) -> None:
        # The benchmark swaps the encoders' ONNX sessions in place (private on purpose:
        # the running assistant never changes them).
        intent_graph, retrieval_graph, together = ways[name]
        ranker._onnx = intent_graph
        encoder._onnx = retrieval_graph
        run_passes_side_by_side(assistant, together)

    names = list(ways)
    latencies = alternating_latencies(assistant, [text for text, _ in rows], names, use,
                                      BLOCK)
    print(f"{len(rows)} messages each, store {args.store}, {threads} torch threads, "
          f"{os.cpu_count()} CPUs")
    print_latencies(latencies)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
