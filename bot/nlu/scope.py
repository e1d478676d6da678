"""Out-of-scope detection: is this message something the bank's assistant should answer?

Two signals on the shared sentence embedding (the one FAQ retrieval uses, so no extra
encoder pass): a logistic-regression gate trained on in-scope vs out-of-scope messages, and
the cosine similarity to the nearest training example. Stored in the intent model folder
under `scope/` so every model version carries its own detector and threshold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.errors import ModelNotReady
from bot.nlu.encoder import SentenceEncoder

SCOPE_DIR = "scope"
GATE_FILE = "gate.npz"
EXAMPLES_FILE = "examples.npy"
SCOPE_MANIFEST = "scope.json"


@dataclass(frozen=True)
class ScopeReading:
    out_of_scope: bool
    score: float  # probability-like: high = out of scope
    nearest_similarity: float


class ScopeDetector:
    def __init__(self, model_folder: Path, encoder: SentenceEncoder) -> None:
        self.folder = Path(model_folder) / SCOPE_DIR
        self.encoder = encoder
        self._weights: np.ndarray | None = None
        self._bias = 0.0
        self.threshold = 0.5
        self.threshold_override: float | None = None
        self._examples: np.ndarray | None = None

    def warm_up(self) -> None:
        if self._weights is not None:
            return
        try:
            with np.load(self.folder / GATE_FILE) as gate:
                weights = gate["weights"].astype(np.float32)
                bias = float(gate["bias"])
            examples = np.load(self.folder / EXAMPLES_FILE).astype(np.float32)
            meta = json.loads((self.folder / SCOPE_MANIFEST).read_text(encoding="utf-8"))
        except (OSError, KeyError, ValueError) as exc:
            raise ModelNotReady(
                f"out-of-scope detector in {self.folder} is missing or incomplete ({exc}); "
                "run `teller train`"
            ) from exc
        self.encoder.warm_up()
        self._bias, self._examples = bias, examples
        self.threshold = (
            self.threshold_override if self.threshold_override is not None
            else float(meta["threshold"])
        )
        self._weights = weights

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """Out-of-scope probability for each row of unit-length embeddings."""
        self.warm_up()
        assert self._weights is not None
        return 1.0 / (1.0 + np.exp(-(vectors @ self._weights + self._bias)))

    def read(self, text: str) -> ScopeReading:
        self.warm_up()
        assert self._examples is not None
        vector = self.encoder.encode_one(text)
        score = float(self.scores(vector.reshape(1, -1))[0])
        nearest = float((self._examples @ vector).max()) if len(self._examples) else 0.0
        return ScopeReading(score >= self.threshold, score, nearest)
