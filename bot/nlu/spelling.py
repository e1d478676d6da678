"""Typo repair before the intent model: a word the model never saw, one edit away from a word
it saw often, is read as that word ("acount" -> "account", "recieve" -> "receive").

WordPiece splits a misspelt word into unfamiliar pieces, which costs the fine-tuned model
about 5 points of BANKING77 accuracy when 20% of words carry a typo (see
benchmarks/intent_model.py). This corrector is deliberately conservative:

- only words of 4+ letters that appear neither in the training vocabulary nor as a whole
  word in the encoder's tokenizer vocabulary (so real English words are left alone);
- only candidates one edit away (drop, insert, swap, replace) that occur in the training
  examples, the most frequent one wins, ties keep the word unchanged;
- a candidate that keeps the word's first letter goes before one that changes it: people
  rarely mistype a word's first letter, so "humen" is "human", not the more frequent "lumen";
- then the commonest slips go first: a letter typed once instead of twice (or twice instead
  of once) and two neighbours swapped, so "helo" is "hello", not the more frequent "help".

The vocabulary (word -> count in the training examples) is saved with each intent model.
"""

from __future__ import annotations

import json
import re
import string
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from bot.files import reading

SPELLING_FILE = "spelling.json"
MIN_LENGTH = 4
_WORD = re.compile(r"[A-Za-z]+")
_LETTERS = string.ascii_lowercase


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def edits1(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    return (deletes | swaps | replaces | inserts) - {word}


def common_slip(typed: str, meant: str) -> bool:
    """Is `typed` `meant` with a doubled letter typed once (or a single one twice), or with
    two neighbouring letters swapped?"""
    if len(typed) == len(meant):
        diff = [i for i, (a, b) in enumerate(zip(typed, meant, strict=True)) if a != b]
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and typed[diff[0]] == meant[diff[1]] and typed[diff[1]] == meant[diff[0]])
    short, long = sorted((typed, meant), key=len)
    if len(long) != len(short) + 1:
        return False
    i = next((i for i, (a, b) in enumerate(zip(short, long, strict=False))
              if a != b), len(short))
    return long[:i] + long[i + 1:] == short and i > 0 and long[i] == long[i - 1]


def tokenizer_words(vocabulary: Iterable[str]) -> set[str]:
    """Whole alphabetic words from a WordPiece vocabulary (no '##' pieces, no [SPECIAL])."""
    return {token for token in vocabulary if token.isalpha() and token.isascii()}


class SpellingCorrector:
    def __init__(self, counts: dict[str, int], dictionary: set[str] | None = None) -> None:
        self.counts = counts
        self.dictionary = dictionary or set()
        self._memo: dict[str, str] = {}

    @classmethod
    def from_texts(cls, texts: Iterable[str], dictionary: set[str] | None = None
                   ) -> SpellingCorrector:
        counts = Counter(word for text in texts for word in words(text))
        return cls(dict(counts), dictionary)

    def is_known(self, word: str) -> bool:
        return word in self.counts or word in self.dictionary

    def correct_word(self, word: str) -> str:
        lower = word.lower()
        if len(lower) < MIN_LENGTH or self.is_known(lower):
            return word
        fixed = self._memo.get(lower)
        if fixed is None:
            candidates = [c for c in edits1(lower) if c in self.counts]
            candidates = [c for c in candidates if c[0] == lower[0]] or candidates
            candidates = [c for c in candidates if common_slip(lower, c)] or candidates
            scored = sorted(((self.counts[c], c) for c in candidates), reverse=True)
            tie = len(scored) > 1 and scored[0][0] == scored[1][0]
            fixed = scored[0][1] if scored and not tie else lower
            if len(self._memo) < 100_000:
                self._memo[lower] = fixed
        if fixed == lower:
            return word
        return fixed.capitalize() if word[:1].isupper() else fixed

    def correct(self, text: str) -> str:
        return _WORD.sub(lambda match: self.correct_word(match.group(0)), text)

    def save(self, folder: Path) -> None:
        ordered = dict(sorted(self.counts.items(), key=lambda item: (-item[1], item[0])))
        (Path(folder) / SPELLING_FILE).write_text(
            json.dumps({"min_length": MIN_LENGTH, "counts": ordered}) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path, dictionary: set[str] | None = None) -> SpellingCorrector | None:
        """The corrector saved with a model, or None for models trained before it existed."""
        path = Path(folder) / SPELLING_FILE
        if not path.is_file():
            return None
        with reading(path):
            data = json.loads(path.read_text(encoding="utf-8"))
            counts = {str(k): int(v) for k, v in data["counts"].items()}
        return cls(counts, dictionary)
