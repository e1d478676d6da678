"""Check the style set (heldout.csv, dev.csv, dev2.csv) before it is used to measure anything.

    .venv/bin/python benchmarks/style_set/check.py [--shared ../shared/data]

Checks, each failing the run (exit status 1) when it finds something:

- the header is `text,category,style`, no text is empty, every style is one of STYLES and
  every category is an intent of the default knowledge base or `out_of_scope`;
- `terse` messages have at most 4 words;
- heldout.csv has every intent at least 4 times (5 for every non-conversational intent) and at
  least 130 out-of-scope messages; dev.csv and dev2.csv have every intent at least once and
  at least 30 out-of-scope messages;
- no message is copied from, or a near copy of, a sentence of the knowledge base (intent
  examples, FAQ questions, out-of-scope examples), BANKING77 (train and test) or CLINC150
  (every split): the same after lower-casing and stripping punctuation, or a word-set Jaccard
  similarity of 0.8 or more;
- no message appears twice in one file, and no message of a development file (dev.csv,
  dev2.csv) is the same as, or a near copy of (Jaccard >= 0.8), a message of heldout.csv or
  of the other development file.

It also prints the counts per style and per category. Without the shared data folder the
BANKING77 / CLINC150 comparison cannot run, and that is a failure too.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from bot.kb.loader import load_knowledge_base  # noqa: E402

FILES = ("heldout.csv", "dev.csv", "dev2.csv")
HEADER = ["text", "category", "style"]
STYLES = ("terse", "casual", "typos", "context", "non_native", "formal")
OOS = "out_of_scope"
CONVERSATIONAL = {"greet", "goodbye", "thanks", "affirm", "deny", "help", "restart",
                  "bot_challenge", "human_handoff", "small_talk"}
JACCARD_LIMIT = 0.8
TERSE_MAX_WORDS = 4
MINIMUMS = {  # file: (per conversational intent, per other intent, out of scope)
    "heldout.csv": (4, 5, 130),
    "dev.csv": (1, 1, 30),
    "dev2.csv": (1, 1, 30),
}


def normalise(text: str) -> str:
    """Lower case, punctuation removed, whitespace collapsed."""
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


def words(text: str) -> frozenset[str]:
    return frozenset(normalise(text).split())


class NearIndex:
    """Exact (normalised) and word-set Jaccard look-ups against a list of reference sentences."""

    def __init__(self, sentences: list[tuple[str, str]]) -> None:  # (source, text)
        self.sentences = sentences
        self.exact: dict[str, int] = {}
        self.sets: list[frozenset[str]] = []
        self.by_word: dict[str, list[int]] = defaultdict(list)
        for i, (_, text) in enumerate(sentences):
            self.exact.setdefault(normalise(text), i)
            ws = words(text)
            self.sets.append(ws)
            for w in ws:
                self.by_word[w].append(i)

    def hit(self, text: str) -> tuple[str, float, int] | None:
        """('exact' or 'jaccard', similarity, index of the reference) or None."""
        key = normalise(text)
        if key in self.exact:
            return "exact", 1.0, self.exact[key]
        mine = words(text)
        if not mine:
            return None
        shared: Counter[int] = Counter()
        for w in mine:
            shared.update(self.by_word.get(w, ()))
        best: tuple[float, int] | None = None
        for i, inter in shared.items():
            sim = inter / (len(mine) + len(self.sets[i]) - inter)
            if sim >= JACCARD_LIMIT and (best is None or sim > best[0]):
                best = (sim, i)
        return ("jaccard", best[0], best[1]) if best else None


def read_set(path: Path, problems: list[str]) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != HEADER:
            problems.append(f"{path.name}: header is {reader.fieldnames}, expected {HEADER}")
        rows = list(reader)
    for n, row in enumerate(rows, 2):
        row["_line"] = str(n)
        if not (row.get("text") or "").strip():
            problems.append(f"{path.name}:{n}: empty text")
    return rows


def reference_sentences(shared: Path, kb) -> list[tuple[str, str]]:
    refs: list[tuple[str, str]] = []
    for name, intent in kb.intents.items():
        refs += [(f"KB intent {name}", e) for e in intent.examples]
    for faq_id, faq in kb.faq.items():
        refs += [(f"KB faq {faq_id}", q) for q in faq.questions]
    refs += [("KB out_of_scope", e) for e in kb.out_of_scope_examples]
    for split in ("train.csv", "test.csv"):
        with open(shared / "banking77" / split, encoding="utf-8") as handle:
            refs += [(f"BANKING77 {split} {r['category']}", r["text"])
                     for r in csv.DictReader(handle)]
    clinc = json.loads((shared / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    for split, rows in clinc.items():
        refs += [(f"CLINC150 {split} {label}", text) for text, label in rows]
    return refs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data",
                        help="folder with banking77/ and clinc150/ (default: ../shared/data)")
    args = parser.parse_args()

    problems: list[str] = []
    kb = load_knowledge_base(ROOT / "knowledge_base" / "default")
    intents = set(kb.intents)
    sets = {name: read_set(HERE / name, problems) for name in FILES}

    # Categories, styles, terse length.
    for name, rows in sets.items():
        for row in rows:
            where = f"{name}:{row['_line']}"
            if row["category"] not in intents and row["category"] != OOS:
                problems.append(f"{where}: unknown category {row['category']!r}")
            if row["style"] not in STYLES:
                problems.append(f"{where}: unknown style {row['style']!r}")
            if row["style"] == "terse" and len(row["text"].split()) > TERSE_MAX_WORDS:
                problems.append(f"{where}: terse message has more than {TERSE_MAX_WORDS} words: "
                                f"{row['text']!r}")

    # Counts.
    for name, rows in sets.items():
        per_category = Counter(r["category"] for r in rows)
        per_style = Counter(r["style"] for r in rows)
        inside = [r for r in rows if r["category"] != OOS]
        print(f"== {name}: {len(rows)} messages, {len(inside)} in scope, "
              f"{per_category[OOS]} out_of_scope, "
              f"{len(set(r['category'] for r in inside))} intents")
        print("   per style (all / in scope / out_of_scope):")
        for style in STYLES:
            n_in = sum(1 for r in inside if r["style"] == style)
            print(f"     {style:<11} {per_style[style]:>4} / {n_in:>4} / "
                  f"{per_style[style] - n_in:>3}")
        print("   per category: " + ", ".join(f"{c}={n}" for c, n in sorted(per_category.items())))
        conv_min, other_min, oos_min = MINIMUMS[name]
        for intent in sorted(intents):
            need = conv_min if intent in CONVERSATIONAL else other_min
            if per_category[intent] < need:
                problems.append(f"{name}: intent {intent} has {per_category[intent]} messages, "
                                f"needs at least {need}")
        if per_category[OOS] < oos_min:
            problems.append(f"{name}: {per_category[OOS]} out_of_scope messages, "
                            f"needs at least {oos_min}")

    # Duplicates inside a file.
    for name, rows in sets.items():
        seen: dict[str, str] = {}
        for row in rows:
            key = normalise(row["text"])
            if key in seen:
                problems.append(f"{name}:{row['_line']}: duplicate of line {seen[key]}: "
                                f"{row['text']!r}")
            seen.setdefault(key, row["_line"])

    # Copies of the KB, BANKING77 and CLINC150.
    if not (args.shared / "banking77" / "train.csv").exists():
        problems.append(f"shared data not found at {args.shared}: cannot compare with "
                        "BANKING77 and CLINC150 (pass --shared)")
    else:
        refs = reference_sentences(args.shared, kb)
        print(f"== compared with {len(refs)} reference sentences "
              "(KB, BANKING77 train+test, CLINC150)")
        index = NearIndex(refs)
        for name, rows in sets.items():
            for row in rows:
                found = index.hit(row["text"])
                if found:
                    kind, sim, i = found
                    source, text = refs[i]
                    problems.append(f"{name}:{row['_line']}: {kind} ({sim:.2f}) match with "
                                    f"{source}: {row['text']!r} ~ {text!r}")

    # Each development file against heldout.csv and the one before it.
    for name, others in (("dev.csv", ("heldout.csv",)), ("dev2.csv", ("heldout.csv", "dev.csv"))):
        earlier = NearIndex([(f"{other}:{r['_line']}", r["text"])
                             for other in others for r in sets[other]])
        for row in sets[name]:
            found = earlier.hit(row["text"])
            if found:
                kind, sim, i = found
                source, text = earlier.sentences[i]
                problems.append(f"{name}:{row['_line']}: {kind} ({sim:.2f}) match with "
                                f"{source}: {row['text']!r} ~ {text!r}")

    if problems:
        print(f"\nFAILED: {len(problems)} problem(s)")
        for p in problems:
            print("  - " + p)
        return 1
    print("\nOK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
