"""What the neighbour vote costs a message: the whole assistant with and without it, in one
process.

The fine-tuned intent model's probabilities are blended with the closest training example
of each intent in FAQ retrieval's vector space (`bot.nlu.neighbours`): one product of the
message's vector with every reference. This sends BANKING77 test messages through
`Assistant.handle` (each in its own session), switching the vote on and off every 25
messages so that a machine whose speed drifts weighs on both alike, and prints p50/p90/p99
per message for each. What it adds to the answers: `benchmarks/understanding.py --model
NAME=DIR --without-neighbours` and `benchmarks/dialogues.py --without-neighbours`.

    TELLER_DATA_DIR=DIR python benchmarks/neighbour_vote.py [--limit 1000] [--store sqlite]
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

    from bench_setup import (
        alternating_latencies,
        bench_settings,
        print_latencies,
        read_labelled,
        ready_assistant,
    )

    from bot.nlu.finetuned import FineTunedIntentClassifier

    rows = read_labelled(args.data, args.limit)
    settings = bench_settings(args.store)
    assistant = ready_assistant(settings, in_memory=args.store == "memory")
    ranker = assistant.components.classifier.ranker
    vote = assistant.components.classifier.neighbours
    if not isinstance(ranker, FineTunedIntentClassifier) or vote is None:
        raise SystemExit(f"the intent model in {settings.model_dir} has no neighbour vote; "
                         "train it with `teller train` (TELLER_INTENT_MODEL=finetuned)")
    ways = {f"with the vote ({len(vote.vectors):,} references)": vote, "without it": None}

    def use(name: str) -> None:
        ranker.neighbours = ways[name]

    latencies = alternating_latencies(assistant, [text for text, _ in rows], list(ways), use,
                                      BLOCK)
    print(f"{len(rows)} messages each, store {args.store}, {os.cpu_count()} CPUs")
    print_latencies(latencies)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
