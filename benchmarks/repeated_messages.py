"""What a message read before costs against one read the first time, whole assistant.

    TELLER_DATA_DIR=DIR .venv/bin/python benchmarks/repeated_messages.py [--rounds 5]

Customers repeat themselves and each other ("yes", "hi", "thanks", "where is my card"). Both
encoders keep the vectors of recent messages (`bot.nlu.vector_cache`). For each of 20 common
short messages, in a new session each time: the message with both caches emptied (first
read), again (both vectors kept), and again with only the intent model's cache emptied (FAQ
retrieval's vector kept: how a repeated message was read before the intent model had a
cache). Time per `Assistant.handle`, in-memory sessions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MESSAGES = ["yes", "no", "hi", "thanks", "ok", "hello", "yes please", "no thanks", "agent",
            "where is my card", "I lost my card", "card declined", "top up", "exchange rate",
            "how do I get a refund", "bye", "thank you", "help", "what's my IBAN",
            "speak to a human"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from bot.config import Settings
    from bot.pipeline import Assistant

    assistant = Assistant.from_settings(Settings(), in_memory=True)
    assistant.warm_up()
    parts = assistant.components  # the main language's encoders
    for text in MESSAGES[:5]:
        assistant.handle(f"{text} (warm-up)")

    def timed(text: str) -> float:
        began = time.perf_counter()
        assistant.handle(text, session_id=uuid.uuid4().hex)
        return (time.perf_counter() - began) * 1000

    first, both_kept, retrieval_kept = [], [], []
    for _ in range(args.rounds):
        for text in MESSAGES:
            parts.encoder.forget_messages()
            parts.classifier.forget_messages()
            first.append(timed(text))
            both_kept.append(timed(text))
            parts.classifier.forget_messages()
            retrieval_kept.append(timed(text))
    for title, times in (("first read", first), ("read before, both vectors kept", both_kept),
                         ("read before, only FAQ retrieval's vector kept", retrieval_kept)):
        print(f"{title}: p50 {statistics.median(times):.2f} ms, "
              f"mean {statistics.mean(times):.2f} ms ({len(times)} messages)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
