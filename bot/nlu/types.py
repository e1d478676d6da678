"""Typed NLU outputs and the intent-classifier interface that every model implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class IntentScore:
    name: str
    confidence: float


@dataclass(frozen=True)
class IntentPrediction:
    """Ranked intents (best first) plus the out-of-scope decision.

    `nearest_similarity` is the cosine similarity between the message and the closest
    training example: low means the message is unlike anything the model was taught. It is
    measured in the intent model's embedding space; `similarity_shared_with_faq` says whether
    that is also the FAQ index's space (the frozen sentence encoder), so the two compare.
    """

    ranking: list[IntentScore]
    out_of_scope: bool = False
    nearest_similarity: float = 1.0
    similarity_shared_with_faq: bool = True
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def top(self) -> IntentScore | None:
        return self.ranking[0] if self.ranking else None


@runtime_checkable
class IntentClassifier(Protocol):
    """Anything that ranks intents for a message. The dialogue manager depends only on this."""

    @property
    def labels(self) -> list[str]: ...

    def warm_up(self) -> None: ...

    def predict(self, text: str, top_k: int = 5) -> IntentPrediction: ...


@runtime_checkable
class BatchIntentClassifier(IntentClassifier, Protocol):
    """A classifier that can also score many texts at once (evaluation, benchmarks)."""

    def probabilities(self, texts: list[str]) -> Any: ...


@runtime_checkable
class EmbeddingIntentRanker(BatchIntentClassifier, Protocol):
    """A classifier that scores messages through a sentence embedding. The recognizer embeds
    a message once and gives the same vector to the ranking and the out-of-scope detector."""

    def embed(self, texts: list[str]) -> np.ndarray: ...

    def embed_one(self, text: str) -> np.ndarray: ...

    def probabilities_from_vectors(self, vectors: np.ndarray) -> np.ndarray: ...

    def vocabulary(self) -> set[str]: ...

    def forget_messages(self) -> None: ...


def rank(probabilities: np.ndarray, labels: list[str], top_k: int = 5) -> IntentPrediction:
    """The `top_k` intents of one probability row, best first."""
    order = np.argsort(-probabilities)[:top_k]
    return IntentPrediction([IntentScore(labels[i], float(probabilities[i])) for i in order])
