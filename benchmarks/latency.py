"""Latency of the whole in-process pipeline (guard -> NLU -> retrieval -> dialogue -> storage).

Sends every BANKING77 test message one at a time, each in its own session, through
`Assistant.handle` and reports p50/p95/p99 per message and messages per second. Also reports
the intent accuracy of the current model on those messages, for context.

    python benchmarks/latency.py [--data ../shared/data/banking77/test.csv] [--limit N]
        [--store memory|sqlite] [--json OUT.json]

Uses the model and index in TELLER_DATA_DIR (default .teller), building them if missing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench_setup import DEFAULT_DATA, percentile


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0, help="Only the first N messages")
    parser.add_argument("--store", choices=["memory", "sqlite"], default="sqlite")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--json", type=Path, default=None, help="Also write results here")
    args = parser.parse_args()

    import torch
    from bench_setup import bench_settings, read_labelled, ready_assistant

    rows = read_labelled(args.data, args.limit)
    settings = bench_settings(args.store)
    assistant = ready_assistant(settings, in_memory=args.store == "memory")
    for text, _ in rows[: args.warmup]:
        assistant.handle(text + " (warm-up)")

    latencies, correct, answered = [], 0, 0
    started = time.perf_counter()
    for text, label in rows:
        t0 = time.perf_counter()
        reply = assistant.handle(text)
        latencies.append((time.perf_counter() - t0) * 1000)
        top = reply.intent_ranking[0].name if reply.intent_ranking else None
        correct += top == label
        answered += reply.action in ("answer_intent", "answer_faq")
    wall = time.perf_counter() - started

    manifest = json.loads((settings.model_dir / "manifest.json").read_text())
    result = {
        "messages": len(rows),
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2),
        "messages_per_second": round(len(rows) / wall, 1),
        "top1_intent_accuracy": round(correct / len(rows), 4),
        "answered_share": round(answered / len(rows), 4),
        "store": args.store,
        "model": manifest["kind"],
        "model_training_examples": manifest["metrics"]["examples"],
        "torch_threads": torch.get_num_threads(),
        "device": assistant.components.encoder.device,
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
