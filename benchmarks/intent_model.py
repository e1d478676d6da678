"""BANKING77 benchmark of the intent model, with the frozen-encoder baseline measured in the
same run. Not a timed test: it trains two models (about 15 minutes on 2 CPU cores).

Both models are trained the way `teller train --data train.csv --oos-data data_full.json`
trains them: on the embedded knowledge base plus BANKING77's train.csv, with CLINC150's
train/validation rows for the out-of-scope detector. Reported on all 3,080 rows of
BANKING77's test.csv (never used for training or tuning):

- accuracy and macro-F1: clean, with seeded typos (one character dropped, swapped or
  replaced in 20% of words), and lower case without punctuation;
- out of scope: CLINC150 oos_test vs its banking + credit_cards test rows (AUROC, recall
  and false rejection at the threshold chosen on validation data, BANKING77 accuracy lost);
- training wall time, single-message latency (p50/p99) of the intent model and of the
  whole pipeline, and batch throughput.

    python benchmarks/intent_model.py [--shared ../shared/data] [--out benchmarks/results]
        [--epochs N] [--typo-probability P] [--models finetuned embedding-head] [--no-pipeline]

`--no-pipeline` skips the whole-pipeline latency (no FAQ index, no faiss needed).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def noisy_copy(source: Path, target: Path, transform) -> Path:  # type: ignore[no-untyped-def]
    with open(source, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "category"])
        writer.writeheader()
        for row in rows:
            writer.writerow({"text": transform(row["text"]), "category": row["category"]})
    return target


def measure(settings, kb, encoder, test: Path, typo: Path, lower: Path, clinc: Path,  # type: ignore[no-untyped-def]
            out: Path, pipeline: bool) -> dict[str, object]:
    from bot.device import limit_blas_threads
    from bot.nlu.recognizer import load_recognizer
    from training.evaluate import evaluate

    assistant = None
    if pipeline:
        from bot.pipeline import Assistant

        assistant = Assistant.from_settings(settings, in_memory=True, kb=kb, encoder=encoder)
        assistant.warm_up()
        recognizer = assistant.classifier
    else:
        limit_blas_threads()
        recognizer = load_recognizer(settings.model_dir, encoder, settings.device)
        recognizer.warm_up()
    clean = evaluate(recognizer, test, clinc, out / settings.intent_model)
    typos = evaluate(recognizer, typo)
    lowered = evaluate(recognizer, lower)
    spelling, recognizer.spelling = recognizer.spelling, None
    typos_unrepaired = evaluate(recognizer, typo)
    recognizer.spelling = spelling

    with open(test, encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    for text in texts[:30]:
        recognizer.predict(text + " ?")
    model_ms, pipeline_ms = [], []
    for text in texts[:1000]:
        started = time.perf_counter()
        recognizer.predict(text + " .")  # a new string: no encoder cache hit
        model_ms.append((time.perf_counter() - started) * 1000)
    for text in texts[1000:2000] if assistant is not None else []:
        pipeline_ms.append(assistant.handle(text).latency_ms)
    started = time.perf_counter()
    recognizer.probabilities(texts)
    batch_rate = len(texts) / (time.perf_counter() - started)
    oos = clean.out_of_scope
    assert oos is not None
    return {
        "accuracy": clean.accuracy,
        "macro_f1": clean.macro_f1,
        "ece": clean.expected_calibration_error,
        "accuracy_typos": typos.accuracy,
        "accuracy_typos_without_spelling_repair": typos_unrepaired.accuracy,
        "accuracy_lower_no_punctuation": lowered.accuracy,
        "typo_drop_points": round(100 * (clean.accuracy - typos.accuracy), 2),
        "most_confused": clean.most_confused[:5],
        "oos_auroc": oos.auroc,
        "oos_threshold": oos.threshold,
        "oos_recall": oos.oos_recall,
        "oos_in_scope_false_rejection": oos.in_scope_false_rejection,
        "accuracy_with_oos_rejection": oos.accuracy_with_rejection,
        "accuracy_loss_points_from_oos": oos.accuracy_loss_points,
        "intent_model_p50_ms": round(statistics.median(model_ms), 2),
        "intent_model_p99_ms": round(percentile(model_ms, 99), 2),
        "pipeline_p50_ms": round(statistics.median(pipeline_ms), 2) if pipeline_ms else None,
        "pipeline_p99_ms": round(percentile(pipeline_ms, 99), 2) if pipeline_ms else None,
        "batch_messages_per_second": round(batch_rate, 1),
    }


def main() -> int:
    from training.scope import MAX_FALSE_REJECTION

    parser = argparse.ArgumentParser(description="BANKING77 intent-model benchmark")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--typo-probability", type=float, default=None,
                        help="share of fine-tuning examples given typos (default: the config's)")
    parser.add_argument("--max-false-rejection", type=float, default=MAX_FALSE_REJECTION,
                        help="in-scope validation messages the OOS threshold may reject")
    parser.add_argument("--models", nargs="+", default=["embedding-head", "finetuned"],
                        choices=["embedding-head", "finetuned"])
    parser.add_argument("--no-pipeline", action="store_true",
                        help="skip the whole-pipeline latency (no FAQ index)")
    args = parser.parse_args()

    from bot.config import Settings
    from bot.device import resolve_device
    from bot.kb import load_knowledge_base
    from bot.nlu.encoder import SentenceEncoder
    from training.finetune import FineTuneConfig
    from training.noise import add_typos, plain_lower
    from training.prepare import train_intent_model

    train = args.shared / "banking77" / "train.csv"
    test = args.shared / "banking77" / "test.csv"
    clinc = args.shared / "clinc150" / "data_full.json"
    for path in (train, test, clinc):
        if not path.is_file():
            print(f"error: {path} not found; pass --shared PATH/shared/data", file=sys.stderr)
            return 2
    work = Path(tempfile.mkdtemp(prefix="teller-bench-"))
    rng = random.Random(2020)
    typo = noisy_copy(test, work / "test_typos.csv", lambda t: add_typos(t, rng, 0.2))
    lower = noisy_copy(test, work / "test_lower.csv", plain_lower)

    base = Settings(data_dir=work / "unused")
    kb = load_knowledge_base(base.kb_dir)
    encoder = SentenceEncoder.from_settings(base)
    results: dict[str, object] = {
        "machine": platform.machine(), "cpu_count": os.cpu_count(),
        "torch_threads": __import__("torch").get_num_threads(),
        "device": resolve_device("auto"),
    }
    overrides: dict[str, object] = {}
    if args.epochs:
        overrides["epochs"] = args.epochs
    if args.typo_probability is not None:
        overrides["typo_probability"] = args.typo_probability
    config = FineTuneConfig(**overrides)  # type: ignore[arg-type]
    results["finetune_config"] = asdict(config)
    results["oos_max_false_rejection"] = args.max_false_rejection
    for kind in args.models:
        settings = Settings(data_dir=work / kind, intent_model=kind)
        started = time.perf_counter()
        report, _ = train_intent_model(
            settings, kb, encoder, [train], [clinc], finetune_config=config,
            max_false_rejection=args.max_false_rejection,
        )
        seconds = time.perf_counter() - started
        if not args.no_pipeline:
            from bot.retrieval.faq_index import FaqIndex

            FaqIndex(settings.index_dir, kb, encoder, settings.device).build(False)
        row = {"training_seconds": round(seconds, 1),
               "training_examples": report.examples,
               "validation_accuracy": report.validation_accuracy,
               **measure(settings, kb, encoder, test, typo, lower, clinc, args.out,
                         pipeline=not args.no_pipeline)}
        results[kind] = row
        print(json.dumps({kind: row}, indent=2), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "intent_model.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {args.out / 'intent_model.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
