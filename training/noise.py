"""Seeded text noise: typos, lower case, no punctuation. Used to augment training data and to
measure robustness in benchmarks."""

from __future__ import annotations

import random
import re
import string

_LETTERS = string.ascii_lowercase
_PUNCTUATION = re.compile(r"[^\w\s']|(?<!\w)'|'(?!\w)")


def typo(word: str, rng: random.Random) -> str:
    """One character dropped, swapped with its neighbour, or replaced."""
    if len(word) < 2:
        return word
    i = rng.randrange(len(word))
    kind = rng.choice(("drop", "swap", "replace"))
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + rng.choice(_LETTERS) + word[i + 1:]


def add_typos(text: str, rng: random.Random, word_rate: float = 0.2) -> str:
    """Put one typo into each word with probability `word_rate` (words of 2+ letters)."""
    return " ".join(
        typo(word, rng) if len(word) > 1 and rng.random() < word_rate else word
        for word in text.split(" ")
    )


def plain_lower(text: str) -> str:
    """Lower case without punctuation, as people type on a phone."""
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())
