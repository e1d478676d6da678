"""Out-of-scope detection: is this message something the bank's assistant should answer?

Nearest-neighbour contrast in the intent model's own embedding space (the vector the model
ranks intents with, so no extra encoder pass): the mean similarity of the message to its k closest
out-of-scope examples minus that to its k closest in-scope examples (intent training
examples), squashed to 0..1. Measured on CLINC150 this separates better than a logistic
regression or an MLP on the same embedding (see benchmarks/intent_model.py). The reference
examples and the threshold live in the intent model folder under `scope/`, so every model
version carries its own detector.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.errors import ModelNotReady
from bot.files import reading

SCOPE_DIR = "scope"
IN_SCOPE_FILE = "in_scope.npy"
OUT_OF_SCOPE_FILE = "out_of_scope.npy"
SCOPE_MANIFEST = "scope.json"
SHARPNESS = 20.0


@dataclass(frozen=True)
class ScopeReading:
    out_of_scope: bool
    score: float  # 0..1, high = out of scope
    nearest_similarity: float  # cosine to the closest in-scope example


def top_k_mean(similarities: np.ndarray, k: int) -> np.ndarray:
    k = min(k, similarities.shape[1])
    return np.partition(similarities, -k, axis=1)[:, -k:].mean(axis=1)


def contrast_scores(
    vectors: np.ndarray, in_scope: np.ndarray, out_of_scope: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """(score, nearest in-scope similarity) for each row of unit-length embeddings."""
    inside = vectors @ in_scope.T
    outside = vectors @ out_of_scope.T
    margin = top_k_mean(outside, k) - top_k_mean(inside, k)
    return 1.0 / (1.0 + np.exp(-SHARPNESS * margin)), inside.max(axis=1)


def read_vectors(path: Path) -> np.ndarray:
    with reading(path):
        vectors = np.load(path).astype(np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"expected a matrix, found {vectors.ndim} dimensions")
        return vectors


class ScopeDetector:
    """Scores embeddings from the intent model's space against the saved reference vectors."""

    def __init__(self, model_folder: Path) -> None:
        self.folder = Path(model_folder) / SCOPE_DIR
        self.threshold = 0.5
        self.threshold_override: float | None = None
        self.k = 10
        self._in: np.ndarray | None = None
        self._out: np.ndarray | None = None

    def warm_up(self) -> None:
        if self._in is not None:
            return
        if not self.folder.is_dir():
            raise ModelNotReady(f"no out-of-scope detector in {self.folder}; run `teller train`")
        inside = read_vectors(self.folder / IN_SCOPE_FILE)
        outside = read_vectors(self.folder / OUT_OF_SCOPE_FILE)
        path = self.folder / SCOPE_MANIFEST
        with reading(path):
            meta = json.loads(path.read_text(encoding="utf-8"))
            self.k = int(meta.get("k", 10))
            threshold = float(meta["threshold"])
        self.threshold = (
            self.threshold_override if self.threshold_override is not None else threshold
        )
        self._out = outside
        self._in = inside

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """Out-of-scope score (0..1) for each row of unit-length embeddings."""
        self.warm_up()
        assert self._in is not None and self._out is not None
        return contrast_scores(vectors, self._in, self._out, self.k)[0]

    def read(self, vector: np.ndarray) -> ScopeReading:
        """The decision for one message's embedding."""
        self.warm_up()
        assert self._in is not None and self._out is not None
        score, nearest = contrast_scores(vector.reshape(1, -1), self._in, self._out, self.k)
        return ScopeReading(float(score[0]) >= self.threshold, float(score[0]), float(nearest[0]))
