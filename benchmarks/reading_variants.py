"""Two ways of reading a message that were measured and not kept, on a trained model.

    .venv/bin/python benchmarks/reading_variants.py --data-dir DIR [--shared ../shared/data]

- **Sentences as well as the whole message**: for a message of several sentences, the
  geometric mean of the whole message's intent probabilities and its sentences' (weight
  `--whole-weight` on the whole), against the whole message alone.
- **Real-word repair**: a word seen at most twice in training that is one edit from a word
  seen at least 20 times as often (and at least 30 times) is replaced by it, and the message
  read again, only when the model is unsure (out of scope, or top confidence under 0.5 /
  0.7); the second reading wins when it is in scope and at least 0.15 more confident.

On `benchmarks/style_set/dev.csv` and `dev2.csv` (the development files; heldout.csv is not
read) and BANKING77 test, as written and with the intent-model benchmark's seeded typos.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
WORD = re.compile(r"[A-Za-z]+")
RARE, FREQUENT, RATIO, MARGIN = 2, 30, 20, 0.15


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True,
                        help="a trained data folder (`teller train --data-dir DIR`)")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--whole-weight", type=float, default=0.5)
    args = parser.parse_args()

    from bench_setup import trained_recognizer

    from bot.nlu.spelling import common_slip, edits1
    from training.noise import add_typos

    recognizer = trained_recognizer(args.data_dir)
    counts = recognizer.spelling.counts if recognizer.spelling else {}

    def real_word(typed: str) -> str:
        word = typed.lower()
        seen = counts.get(word, 0)
        if len(word) < 3 or seen > RARE:
            return typed
        candidates = [c for c in edits1(word)
                      if counts.get(c, 0) >= max(FREQUENT, RATIO * (seen + 1))]
        candidates = [c for c in candidates if c[0] == word[0]] or candidates
        candidates = [c for c in candidates if common_slip(word, c)] or candidates
        return max(candidates, key=lambda c: counts[c]) if candidates else typed

    def repaired(text: str) -> str | None:
        again = WORD.sub(lambda match: real_word(match.group(0)), text)
        return again if again != text else None

    sets: dict[str, list[tuple[str, str]]] = {}
    for name in ("dev", "dev2"):
        with (ROOT / "benchmarks" / "style_set" / f"{name}.csv").open(encoding="utf-8") as f:
            sets[f"style_set/{name}"] = [(r["text"], r["category"]) for r in csv.DictReader(f)]
    test = args.shared / "banking77" / "test.csv"
    if test.is_file():
        with test.open(encoding="utf-8") as f:
            rows = [(r["text"], r["category"]) for r in csv.DictReader(f)]
        rng = random.Random(2020)
        sets["banking77/test"] = rows
        sets["banking77/test seeded typos"] = [(add_typos(t, rng, 0.2), c) for t, c in rows]
    else:
        print(f"{test} not found: BANKING77 skipped (pass --shared PATH/shared/data)")

    for name, rows in sets.items():
        texts = [recognizer.correct(text) for text, _ in rows]
        labels = [label for _, label in rows]
        readings = recognizer.predict_many(texts, corrected=True)
        read = [r.ranking[0].name if not r.out_of_scope else "out_of_scope" for r in readings]
        right = sum(p == label for p, label in zip(read, labels, strict=True))

        in_scope = [i for i, label in enumerate(labels) if label != "out_of_scope"]
        sentences = {i: parts for i in in_scope
                     if len(parts := [s for s in SENTENCE_END.split(texts[i].strip())
                                      if len(s.split()) >= 2]) > 1}
        if sentences:
            order = list(sentences)
            whole = np.log(recognizer.probabilities([texts[i] for i in order]) + 1e-9)
            each = np.log(recognizer.probabilities([s for i in order for s in sentences[i]])
                          + 1e-9)
            start, before, after = 0, 0, 0
            for row, i in enumerate(order):
                mine = each[start:start + len(sentences[i])]
                start += len(sentences[i])
                mixed = args.whole_weight * whole[row] + (1 - args.whole_weight) * mine.mean(0)
                before += recognizer.labels[int(whole[row].argmax())] == labels[i]
                after += recognizer.labels[int(mixed.argmax())] == labels[i]
            print(f"{name}: sentences as well: {before} -> {after} right of {len(order)} "
                  f"multi-sentence in-scope messages")

        for unsure_below in (0.5, 0.7):
            tried = [(i, again) for i, r in enumerate(readings)
                     if (r.out_of_scope or r.ranking[0].confidence < unsure_below)
                     and (again := repaired(texts[i]))]
            second = recognizer.predict_many([again for _, again in tried], corrected=True)
            now = list(read)
            for (i, _), r in zip(tried, second, strict=True):
                first = 0.0 if readings[i].out_of_scope else readings[i].ranking[0].confidence
                if not r.out_of_scope and r.ranking[0].confidence >= first + MARGIN:
                    now[i] = r.ranking[0].name
            after = sum(p == label for p, label in zip(now, labels, strict=True))
            print(f"{name}: real-word repair when unsure (< {unsure_below}): {right} -> "
                  f"{after} right of {len(rows)} ({len(tried)} read again)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
