"""Timed retraining cycle on BANKING77 plus 500 reviewed log lines (issue 7's bar: <= 30
minutes end to end on 2 CPU cores; frozen held-out accuracy no lower after than before).

1. (not timed) the serving model: `teller train --data train.csv` on the default KB;
2. (timed, the cycle) ingest 500 chat-log lines: BANKING77 test rows outside the frozen
   held-out slice, without labels; reviewers label each with its BANKING77 category through
   the review service; `retrain` builds the dataset (KB + train.csv + reviewed lines),
   fine-tunes, evaluates candidate and serving model on the same held-out set, gates and
   promotes;
3. frozen held-out accuracy (1,000 rows of test.csv) of the model served before and after.

    python benchmarks/retrain_cycle.py                       # the full run (~30 min, 2 cores)
    python benchmarks/retrain_cycle.py --intent-model embedding-head --limit-train 2000 \
        --reviewed 200 --holdout-size 300                      # a smoke run (a few minutes)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="Where models, registry and database go (default: a temp dir)")
    parser.add_argument("--intent-model", choices=["finetuned", "embedding-head"],
                        default="finetuned")
    parser.add_argument("--limit-train", type=int, default=None,
                        help="Use only this many train.csv rows (smoke runs)")
    parser.add_argument("--reviewed", type=int, default=500)
    parser.add_argument("--holdout-size", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=None, help="Write the results as JSON")
    args = parser.parse_args()

    from bot.config import Settings
    from bot.dialogue.review import LogExampleStore, LogRecord, ReviewService
    from bot.kb import load_knowledge_base
    from bot.nlu.encoder import SentenceEncoder
    from bot.nlu.recognizer import load_recognizer
    from training.data import file_examples
    from training.prepare import prepare_models
    from training.registry import ModelRegistry
    from training.retrain import RetrainReport, frozen_holdout, retrain, score

    banking = args.shared / "banking77"
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="teller-retrain-bench-"))
    train_file = banking / "train.csv"
    if args.limit_train:
        with open(train_file, encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        random.Random(1).shuffle(rows)
        train_file = data_dir / "train-subset.csv"
        data_dir.mkdir(parents=True, exist_ok=True)
        with open(train_file, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=["text", "category"])
            writer.writeheader()
            writer.writerows(rows[: args.limit_train])
    settings = Settings(data_dir=data_dir, intent_model=args.intent_model,
                        retrain_holdout_data=banking / "test.csv",
                        retrain_holdout_size=args.holdout_size, model_reload_seconds=0)
    kb = load_knowledge_base(settings.kb_dir)
    encoder = SentenceEncoder.from_settings(settings)
    encoder.warm_up()

    started = time.perf_counter()
    prepare_models(settings, kb, encoder, show_progress=True, data_files=[train_file])
    initial_seconds = time.perf_counter() - started
    frozen = frozen_holdout(settings, ModelRegistry(settings), kb)
    before = score(load_recognizer(settings.model_dir, encoder, settings.device), frozen)

    frozen_texts = {e.text for e in frozen}
    pool = [e for e in file_examples(banking / "test.csv") if e.text not in frozen_texts]
    logs = random.Random(7).sample(pool, min(args.reviewed, len(pool)))
    truth = {e.text: e.label for e in logs}

    started = time.perf_counter()
    store = LogExampleStore(settings.resolved_database_url)
    counts = store.add([LogRecord(e.text, "file:bench-logs.jsonl") for e in logs],
                       set(kb.intents))
    service = ReviewService(store, kb)  # reviewers type the label; no suggestions needed
    for row in store.open_rows():
        service.label(row.id, intent=truth[row.text])
    report = retrain(settings, kb, encoder, show_progress=True)
    cycle_seconds = time.perf_counter() - started
    assert isinstance(report, RetrainReport)

    after = score(load_recognizer(settings.model_dir, encoder, settings.device), frozen)
    results = {
        "intent_model": args.intent_model, "train_rows": args.limit_train or "all",
        "reviewed_lines": counts.added, "frozen_holdout_rows": len(frozen),
        "initial_training_seconds": round(initial_seconds, 1),
        "cycle_seconds": round(cycle_seconds, 1), "cycle_stages": report.stages,
        "frozen_accuracy_before": before.accuracy, "frozen_accuracy_after": after.accuracy,
        "promoted": report.promoted, "gate": report.decision.reasons,
        "version": report.version, "cpu_count": os.cpu_count(),
    }
    print(json.dumps(results, indent=2))
    if args.out:
        args.out.write_text(json.dumps({**results, "report": asdict(report)}, indent=2) + "\n")
    ok = cycle_seconds <= 30 * 60 and after.accuracy >= before.accuracy
    print(f"cycle {cycle_seconds / 60:.1f} min (bar 30), frozen accuracy {before.accuracy:.4f} "
          f"-> {after.accuracy:.4f}: {'meets' if ok else 'MISSES'} the bar")


if __name__ == "__main__":
    main()
