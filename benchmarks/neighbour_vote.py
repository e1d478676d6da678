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

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench_setup import compare_latencies

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.pipeline import Assistant


def with_and_without(assistant: Assistant, settings: Settings) -> dict[str, Callable[[], None]]:
    from bot.nlu.finetuned import FineTunedIntentClassifier

    ranker = assistant.components.classifier.ranker
    vote = assistant.components.classifier.neighbours
    if not isinstance(ranker, FineTunedIntentClassifier) or vote is None:
        raise SystemExit(f"the intent model in {settings.model_dir} has no neighbour vote; "
                         "train it with `teller train` (TELLER_INTENT_MODEL=finetuned)")

    def switch(to: object) -> Callable[[], None]:
        return lambda: setattr(ranker, "neighbours", to)

    return {f"with the vote ({len(vote.vectors):,} references)": switch(vote),
            "without it": switch(None)}


if __name__ == "__main__":
    raise SystemExit(compare_latencies(__doc__.splitlines()[0], with_and_without))
