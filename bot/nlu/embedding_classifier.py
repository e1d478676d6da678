"""Intent classifier v1: a softmax head on frozen sentence embeddings.

The head (weights from a logistic regression, plus a temperature fitted on validation data)
is stored as plain arrays, so loading needs no pickle. Fast to train (seconds); the default
model is the fine-tuned one in `bot.nlu.finetuned`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bot.errors import DamagedFile, ModelNotReady
from bot.files import LABELS, MODEL_FIX, load_manifest, reading
from bot.nlu.encoder import SentenceEncoder
from bot.nlu.spelling import tokenizer_words
from bot.nlu.types import IntentPrediction, rank

KIND = "embedding-softmax-v1"
HEAD_FILE = "head.npz"


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def read_labels(folder: Path) -> list[str]:
    """The intent names of a model folder, in head order."""
    path = folder / LABELS
    with reading(path):
        labels = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(labels, list) or not all(isinstance(name, str) for name in labels):
        raise DamagedFile(path, "not a JSON list of intent names", MODEL_FIX)
    return labels


def read_head(path: Path) -> tuple[np.ndarray, np.ndarray, float]:
    """The head's weights, bias and temperature (the whole file is read: a truncated or
    overwritten one fails its zip checksums here, not on the first message)."""
    with reading(path), np.load(path) as head:
        return (head["weights"].astype(np.float32), head["bias"].astype(np.float32),
                float(head["temperature"]))


class EmbeddingIntentClassifier:
    """Ranks intents with a linear softmax head over the shared sentence encoder."""

    def __init__(self, folder: Path, encoder: SentenceEncoder) -> None:
        self.folder = Path(folder)
        self.encoder = encoder
        self._labels: list[str] | None = None
        self._weights: np.ndarray | None = None
        self._bias: np.ndarray | None = None
        self._temperature = 1.0

    @property
    def labels(self) -> list[str]:
        self.warm_up()
        assert self._labels is not None
        return self._labels

    def warm_up(self) -> None:
        if self._labels is not None:
            return
        manifest = load_manifest(self.folder)
        if manifest is None or manifest.get("kind") != KIND:
            raise ModelNotReady(
                f"{self.folder} is not a '{KIND}' intent model; run `teller train` to build one"
            )
        labels = read_labels(self.folder)
        weights, bias, temperature = read_head(self.folder / HEAD_FILE)
        if weights.shape[0] != len(labels):
            raise DamagedFile(self.folder / HEAD_FILE, f"{weights.shape[0]} rows for "
                              f"{len(labels)} labels", MODEL_FIX)
        self.encoder.warm_up()
        self._weights, self._bias, self._temperature = weights, bias, temperature
        self._labels = labels

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode_many(texts)  # cached: FAQ retrieval reuses them

    def embed_one(self, text: str) -> np.ndarray:
        return self.encoder.encode_one(text)  # cached: FAQ retrieval reuses it

    def probabilities_from_vectors(self, vectors: np.ndarray) -> np.ndarray:
        self.warm_up()
        assert self._weights is not None and self._bias is not None
        logits = np.atleast_2d(vectors) @ self._weights.T + self._bias
        return softmax(logits / self._temperature)

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Calibrated intent probabilities, one row per text (columns follow `labels`)."""
        return self.probabilities_from_vectors(self.embed(texts))

    def vocabulary(self) -> set[str]:
        return tokenizer_words(self.encoder.model.tokenizer.get_vocab())

    def forget_messages(self) -> None:
        self.encoder.forget_messages()  # its vectors are the encoder's

    def predict(self, text: str, top_k: int = 5) -> IntentPrediction:
        return rank(self.probabilities_from_vectors(self.embed_one(text))[0], self.labels, top_k)
