"""Intent accuracy of a trained model by writing style, and on BANKING77 test with typos.

    .venv/bin/python benchmarks/style_breakdown.py --data-dir DIR [--shared ../shared/data]

For each style-set file (`benchmarks/style_set/dev.csv`, `dev2.csv`, `heldout.csv`): in-scope
messages read right, and flagged out of scope, per style (terse, casual, typos, context,
non_native, formal), and the out-of-scope messages flagged. With `--misread`, the misread
messages of the development files are listed: heldout.csv is for reporting, so its messages
are never printed. Then BANKING77 test as it is and with the intent-model
benchmark's seeded typos (one typo in 20% of words, `random.Random(2020)`), which is where
the spelling repair before the model shows.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

STYLE_SET = ROOT / "benchmarks" / "style_set"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True,
                        help="a trained data folder (`teller train --data-dir DIR`)")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--misread", action="store_true",
                        help="list the development files' misread messages")
    parser.add_argument("--without-neighbours", action="store_true",
                        help="the intent model without its neighbour vote (what the vote adds)")
    args = parser.parse_args()

    import numpy as np
    from bench_setup import trained_recognizer, without_neighbour_vote

    from training.noise import add_typos

    recognizer = trained_recognizer(args.data_dir)
    if args.without_neighbours:
        without_neighbour_vote(recognizer)

    def read(texts: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
        probabilities, scope_scores = recognizer.read(texts)
        flagged = scope_scores >= recognizer.scope.threshold
        return [recognizer.labels[i] for i in probabilities.argmax(1)], probabilities, flagged

    for name in ("dev", "dev2", "heldout"):
        with (STYLE_SET / f"{name}.csv").open(encoding="utf-8") as handle:
            every_row = list(csv.DictReader(handle))
        rows = [r for r in every_row if r["category"] != "out_of_scope"]
        unrelated = [r["text"] for r in every_row if r["category"] == "out_of_scope"]
        predicted, probabilities, flagged = read([r["text"] for r in rows])
        by_style: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for row, label, row_probabilities, is_flagged in zip(rows, predicted, probabilities,
                                                             flagged, strict=True):
            counts = by_style[row["style"]]
            counts[0] += label == row["category"]
            counts[1] += 1
            counts[2] += bool(is_flagged)
            if args.misread and name != "heldout" and label != row["category"]:
                print(f"  [{row['style']}] {row['text'][:90]!r}: {label} "
                      f"{row_probabilities.max():.2f}, labelled {row['category']}")
        right = sum(c[0] for c in by_style.values())
        print(f"style_set/{name}: {right}/{len(rows)} = {right / len(rows):.1%} right, "
              f"{sum(c[2] for c in by_style.values())} flagged out of scope; "
              f"out of scope flagged {int(read(unrelated)[2].sum())}/{len(unrelated)}")
        for style, (ok, total, out) in sorted(by_style.items()):
            print(f"  {style:11s} {ok}/{total} = {ok / total:.1%}, {out} flagged")

    test = args.shared / "banking77" / "test.csv"
    if not test.is_file():
        print(f"{test} not found: BANKING77 skipped (pass --shared PATH/shared/data)")
        return 0
    with test.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rng = random.Random(2020)
    for title, texts in (("as written", [r["text"] for r in rows]),
                         ("seeded typos", [add_typos(r["text"], rng, 0.2) for r in rows])):
        predicted, _, _ = read(texts)
        right = sum(p == r["category"] for p, r in zip(predicted, rows, strict=True))
        print(f"banking77/test {title}: {right}/{len(rows)} = {right / len(rows):.2%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
