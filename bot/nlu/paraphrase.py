"""Which of a few options a free-text answer means, by sentence-embedding similarity.

A form's choice question ("What is the loan for?") lists each choice's title, value and
synonyms; a customer answers in their own words ("for when I stop working"). When no listed
phrase appears in the answer, `EmbeddingPhraseMatcher` compares the answer with every phrase
of every option on the runtime's sentence encoder and takes the option of the nearest phrase,
if it is near enough (`min_similarity`) and clearly nearer than any other option's phrases
(`min_margin`); otherwise it says nothing and the form asks again.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

# Chosen on all-MiniLM-L6-v2 with the default KB's choices: answers in other words reach
# 0.5-0.8 to their choice's nearest phrase ("a gaming pc" -> "computer" 0.65, "second-hand
# motorbike" -> "second-hand car" 0.68, "for when I stop working" -> "for my retirement" 0.53);
# greetings, thanks, side questions and answers to other questions stay under 0.45 ("wipe it
# all" -> "dishwasher" 0.43, "hello" -> "business" 0.38), or near two choices at once ("I rent":
# "my company" 0.41, "furniture" 0.40). A miss costs a question asked again; a wrong match
# is said back ("Got it: ...") for the customer to correct.
MIN_SIMILARITY = 0.45
MIN_MARGIN = 0.04


@dataclass(frozen=True)
class PhraseMatch:
    """The option a text was matched to, through which of its phrases, how closely."""

    option: str
    phrase: str
    similarity: float


class PhraseMatcher(Protocol):
    def match(self, text: str, options: Mapping[str, Sequence[str]]) -> PhraseMatch | None:
        """The option (key of `options`) whose phrases `text` means, or None."""
        ...


class Encoder(Protocol):
    def encode_many(self, texts: list[str], batch_size: int = 64) -> np.ndarray: ...


class EmbeddingPhraseMatcher:
    """Nearest phrase by cosine similarity on normalised sentence embeddings. The phrases'
    embeddings are computed once per option set and kept."""

    def __init__(self, encoder: Encoder, min_similarity: float = MIN_SIMILARITY,
                 min_margin: float = MIN_MARGIN) -> None:
        self.encoder = encoder
        self.min_similarity = min_similarity
        self.min_margin = min_margin
        self._phrases: dict[tuple[tuple[str, tuple[str, ...]], ...],
                            tuple[list[str], list[str], np.ndarray]] = {}
        self._lock = threading.Lock()

    def _table(self, options: Mapping[str, Sequence[str]]
               ) -> tuple[list[str], list[str], np.ndarray]:
        key = tuple((option, tuple(phrases)) for option, phrases in options.items())
        with self._lock:
            found = self._phrases.get(key)
        if found is None:
            pairs = list(dict.fromkeys((option, phrase.strip()) for option, phrases
                                       in options.items() for phrase in phrases
                                       if phrase.strip()))
            owners = [option for option, _ in pairs]
            phrases = [phrase for _, phrase in pairs]
            found = (owners, phrases, self.encoder.encode_many(phrases))
            with self._lock:
                self._phrases[key] = found
        return found

    def match(self, text: str, options: Mapping[str, Sequence[str]]) -> PhraseMatch | None:
        if not text.strip() or not options:
            return None
        owners, phrases, vectors = self._table(options)
        if not phrases:
            return None
        similarities = vectors @ self.encoder.encode_many([text.strip()])[0]
        best_by_option: dict[str, int] = {}
        for index, owner in enumerate(owners):
            if owner not in best_by_option or similarities[index] > similarities[
                    best_by_option[owner]]:
                best_by_option[owner] = index
        ranked = sorted(best_by_option.items(), key=lambda item: -similarities[item[1]])
        option, index = ranked[0]
        best = float(similarities[index])
        runner_up = float(similarities[ranked[1][1]]) if len(ranked) > 1 else -1.0
        if best < self.min_similarity or best - runner_up < self.min_margin:
            return None
        return PhraseMatch(option, phrases[index], round(best, 4))
