"""Task success of whole conversations on the default knowledge base: every conversation of
the dialogue suite (benchmarks/dialogues/) played by the simulated customer.

Trains the default intent model and FAQ index into a temporary folder first, as the tests
do (or reuses a data folder given with --data-dir, trained if stale), with sessions in
memory. Prints the per-goal figures and the transcript of every failing conversation.

    python benchmarks/dialogues.py [--suite benchmarks/dialogues] [--tag fast]
                                   [--data-dir DIR] [--json] [--out report.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", type=Path, default=ROOT / "benchmarks" / "dialogues")
    parser.add_argument("--tag", action="append", default=[], help="only these tags")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="models and index to reuse (default: train into a temp dir)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--out", type=Path, default=None, help="write the JSON report here")
    parser.add_argument("--without-neighbours", action="store_true",
                        help="the intent model without its neighbour vote (what the vote adds)")
    args = parser.parse_args()

    from bench_setup import without_neighbour_vote

    from bot.config import Settings
    from bot.kb import load_knowledge_base
    from bot.nlu.encoder import SentenceEncoder
    from bot.pipeline import Assistant
    from knowledge_base import DEFAULT_KB_DIR
    from training.dialogue_eval import build_report, load_suite, render_text, run_suite
    from training.dialogue_eval.suite import select
    from training.prepare import prepare_models

    logging.basicConfig(level=logging.WARNING)
    conversations = select(load_suite(args.suite), args.tag or None)
    with tempfile.TemporaryDirectory(prefix="teller-dialogues-") as tmp:
        settings = Settings(kb_dir=DEFAULT_KB_DIR, data_dir=args.data_dir or Path(tmp),
                            device="cpu")
        kb = load_knowledge_base(DEFAULT_KB_DIR)
        encoder = SentenceEncoder.from_settings(settings)
        started = time.perf_counter()
        prepare_models(settings, kb, encoder, show_progress=False)
        print(f"models ready in {time.perf_counter() - started:.0f}s", file=sys.stderr)
        assistant = Assistant.from_settings(settings, in_memory=True, kb=kb, encoder=encoder)
        assistant.warm_up()
        if args.without_neighbours:
            without_neighbour_vote(assistant.components.classifier)
        started = time.perf_counter()
        report = build_report(run_suite(assistant, conversations))
        print(f"{len(conversations)} conversations played in "
              f"{time.perf_counter() - started:.0f}s", file=sys.stderr)
    if args.out is not None:
        args.out.write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    print(json.dumps(report.to_dict(), indent=2) if args.json else render_text(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
