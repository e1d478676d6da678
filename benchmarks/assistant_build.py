"""Seconds to build and warm an assistant over models already loaded once in the process.

An assistant is built again over the same model files on a knowledge-base reload's locales, a
second worker or replica in one process, and ~120 times in the test suite. Its warm-up reads
the FAQ questions with the intent model (the refinements map, `bot.dialogue.refinements`);
those readings are kept per model files (`READINGS`). This builds one assistant, then
alternates builds with the readings cleared first (as before 2026-12-05) and kept, and prints
the seconds of each.

    python benchmarks/assistant_build.py [--rounds 3] [--store memory|sqlite]

Uses the models in TELLER_DATA_DIR (default .teller), training them first when missing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--store", choices=["memory", "sqlite"], default="memory")
    args = parser.parse_args()

    from bench_setup import bench_settings, ready_assistant

    from bot.dialogue.refinements import READINGS
    from bot.pipeline import Assistant

    settings = bench_settings(args.store)
    in_memory = args.store == "memory"
    ready_assistant(settings, in_memory=in_memory)  # trains if needed, loads everything once

    def build() -> float:
        start = time.perf_counter()
        Assistant.from_settings(settings, in_memory=in_memory).warm_up()
        return time.perf_counter() - start

    cleared, kept = [], []
    for round_ in range(args.rounds):
        READINGS.clear()
        cleared.append(build())
        kept.append(build())
        print(f"round {round_ + 1}: readings cleared {cleared[-1]:.2f} s, "
              f"kept {kept[-1]:.2f} s", flush=True)
    print(f"median: readings cleared {statistics.median(cleared):.2f} s, "
          f"kept {statistics.median(kept):.2f} s per assistant built and warmed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
