"""A locale of the default KB: intent accuracy, out-of-scope detection, replies and latency on
our own sets, benchmarks/<language>/{dev,test}.jsonl (hand-written for this project in varied
styles, none copied from the KB; README in each folder):

- zh: dev 208 banking messages (2 per intent) and 60 unrelated ones, where choices were made
  (the locale's training data, the similarity floor); test 507 banking (4 to 7 per intent)
  and 150 unrelated, held out;
- es (the smaller locale: 52 intents): dev 52 + 20, test 208 + 60, held out.

For each set: top-1 intent accuracy (and by style), the share of banking messages flagged
out of scope at the model's threshold, the share of unrelated ones flagged, and AUROC; then
the whole assistant on each message of the set (a fresh session each): the share of
banking messages answered (not declined, not "I didn't understand"), of unrelated ones
declined, and of replies written in the language (and of messages the language detector
read in it, with no locale given). Last, the median time of one message through the
assistant, the language against English, on one machine in one run.

    python benchmarks/locales.py --language zh --data /tmp/bench   # trains what is missing
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCHMARKS = ROOT / "benchmarks"
OUT_OF_SCOPE = "out_of_scope"
ENGLISH_SAMPLE = ROOT / "benchmarks" / "style_set" / "heldout.csv"


def read_set(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def nlu_figures(recognizer, rows: list[dict[str, str]]) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from training.scope import auroc

    banking = [r for r in rows if r["intent"] != OUT_OF_SCOPE]
    unrelated = [r for r in rows if r["intent"] == OUT_OF_SCOPE]
    vectors = recognizer.embed([r["text"] for r in banking])
    predicted = [recognizer.labels[i]
                 for i in recognizer.ranker.probabilities_from_vectors(vectors).argmax(1)]
    in_scores = recognizer.scope.scores(vectors)
    out_scores = recognizer.scope.scores(recognizer.embed([r["text"] for r in unrelated]))
    threshold = recognizer.scope.threshold
    by_style: dict[str, list[bool]] = defaultdict(list)
    misses = []
    for row, label in zip(banking, predicted, strict=True):
        by_style[row.get("style", "?")].append(label == row["intent"])
        if label != row["intent"]:
            misses.append({"text": row["text"], "intent": row["intent"], "read": label})
    right = [label == row["intent"] for row, label in zip(banking, predicted, strict=True)]
    return {
        "banking": len(banking), "unrelated": len(unrelated),
        "accuracy": round(statistics.mean(right), 4),
        "accuracy_by_style": {style: f"{sum(v)}/{len(v)}" for style, v in sorted(by_style.items())},
        "flagged_banking": round(float((in_scores >= threshold).mean()), 4),
        "flagged_unrelated": round(float((out_scores >= threshold).mean()), 4),
        "auroc": round(auroc(in_scores, out_scores), 4),
        "misses": misses,
    }


def reply_figures(assistant, rows: list[dict[str, str]], language: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from bot.nlu.language import detect_language

    answered = declined = in_language = detected = 0
    banking = [r for r in rows if r["intent"] != OUT_OF_SCOPE]
    for row in rows:
        session = assistant.new_session_id()
        detected += assistant.language_of(row["text"], session) == language
        reply = assistant.handle(row["text"], session)
        in_language += detect_language(reply.text, assistant.languages) == language
        if row["intent"] == OUT_OF_SCOPE:
            declined += reply.action == "out_of_scope"
        else:
            answered += reply.action not in ("out_of_scope", "fallback", "offer_human")
    unrelated = len(rows) - len(banking)
    return {"answered": f"{answered}/{len(banking)}", "declined": f"{declined}/{unrelated}",
            "replies_in_language": f"{in_language}/{len(rows)}",
            "detected_language": f"{detected}/{len(rows)}"}


def latency_ms(assistant, texts: list[str]) -> float:  # type: ignore[no-untyped-def]
    for parts in assistant.by_language().values():
        parts.encoder.forget_messages()  # every message encoded, none from the cache
        parts.classifier.forget_messages()
    times = []
    for text in texts:
        started = time.perf_counter()
        assistant.handle(text)
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--language", default="zh", help="the locale (a folder of benchmarks/)")
    parser.add_argument("--data", type=Path, required=True,
                        help="data folder (models are trained into it when missing)")
    parser.add_argument("--intent-model", default="embedding-head",
                        choices=["embedding-head", "finetuned"],
                        help="the English model to serve beside (latency, replies)")
    args = parser.parse_args()

    import csv

    from bot.config import Settings
    from bot.device import limit_blas_threads
    from bot.kb import load_knowledge_base
    from bot.nlu.encoder import SentenceEncoder
    from bot.pipeline import Assistant
    from knowledge_base import DEFAULT_KB_DIR
    from training.prepare import prepare_models

    limit_blas_threads()
    settings = Settings(data_dir=args.data, intent_model=args.intent_model)
    kb = load_knowledge_base(DEFAULT_KB_DIR)
    encoder = SentenceEncoder.from_settings(settings)
    started = time.perf_counter()
    prepare_models(settings, kb, encoder, show_progress=False)
    print(f"models ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    assistant = Assistant.from_settings(settings, in_memory=True, kb=kb, encoder=encoder)
    assistant.warm_up()
    recognizer = assistant.locales[args.language].classifier
    sets = BENCHMARKS / args.language

    results: dict[str, object] = {}
    for name in ("dev", "test"):
        rows = read_set(sets / f"{name}.jsonl")
        results[name] = {**nlu_figures(recognizer, rows),
                         **reply_figures(assistant, rows, args.language)}
    test_texts = [r["text"] for r in read_set(sets / "test.jsonl")][:200]
    with ENGLISH_SAMPLE.open(encoding="utf-8") as handle:
        english = [row["text"] for row in csv.DictReader(handle)][:200]
    # warm both paths, then time them alternately on the same machine
    latency_ms(assistant, test_texts[:10] + english[:10])
    results["latency_p50_ms"] = {args.language: latency_ms(assistant, test_texts),
                                 "en": latency_ms(assistant, english)}

    for name in ("dev", "test"):
        figures = results[name]
        assert isinstance(figures, dict)
        print(f"\n{name}: {figures['banking']} banking, {figures['unrelated']} unrelated")
        for key in ("accuracy", "flagged_banking", "flagged_unrelated", "auroc", "answered",
                    "declined", "replies_in_language", "detected_language"):
            print(f"  {key:18} {figures[key]}")
        print(f"  by style           {figures['accuracy_by_style']}")
    print(f"\nlatency p50 (ms, one message through the assistant): {results['latency_p50_ms']}")
    out = args.data / f"locale-{args.language}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"written: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
