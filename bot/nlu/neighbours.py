"""A second reading of each message: its closest training example of every intent, in the
frozen sentence encoder's space, blended with the fine-tuned intent model's probabilities.

The fine-tuned model and the frozen encoder (all-MiniLM-L6-v2 as published, which FAQ
retrieval runs over every message anyway) make different mistakes: fine-tuning pulls each
intent's examples tight around its vector and learns BANKING77's wording well, while the
frozen space still knows paraphrases it was pre-trained on. For each intent the vote takes
the cosine of the message's closest training example of that intent (the validation split
left out), turns those into a distribution (softmax at `scale`), and mixes it with the
model's log-probabilities at `weight`; a temperature fitted on the validation split keeps
the blend's confidences calibrated. The message's vector in that space comes from FAQ
retrieval's pass, so the vote costs one product with the references (about 11,000 rows for
the default knowledge base), not a third encoder pass; the pipeline computes it on the
retrieval thread, beside the intent model's own pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.files import MODEL_FIX, reading
from bot.nlu.embedding_classifier import log_softmax

NEIGHBOURS_FILE = "neighbours.npz"


@dataclass(frozen=True)
class NeighbourVote:
    """`vectors`: unit-length training examples in the frozen encoder's space, grouped by
    intent (intent i's rows start at `starts[i]`; an intent without examples has
    `starts[i] == starts[i + 1]`); `weight`, `scale` and `temperature`: the blend's."""

    vectors: np.ndarray
    starts: np.ndarray
    weight: float
    scale: float
    temperature: float = 1.0

    @classmethod
    def build(cls, vectors: np.ndarray, targets: np.ndarray, intents: int, *, weight: float,
              scale: float) -> NeighbourVote:
        """From the examples' vectors and intent indexes (0..intents-1), temperature 1."""
        order = np.argsort(targets, kind="stable")
        grouped = np.ascontiguousarray(vectors[order], dtype=np.float32)
        starts = np.searchsorted(targets[order], np.arange(intents)).astype(np.int64)
        return cls(grouped, starts, float(weight), float(scale))

    @property
    def intents(self) -> int:
        return len(self.starts)

    def closest(self, frozen_vectors: np.ndarray) -> np.ndarray:
        """(messages, intents): the cosine of each message's closest example of each intent
        (-1 for an intent without examples)."""
        similarities = np.atleast_2d(frozen_vectors) @ self.vectors.T
        closest = np.full((len(similarities), self.intents), -1.0, dtype=np.float32)
        ends = np.append(self.starts[1:], len(self.vectors))
        present = ends > self.starts
        if present.any():
            closest[:, present] = np.maximum.reduceat(similarities, self.starts[present], axis=1)
        return closest

    def blended_logits(self, probabilities: np.ndarray, closest: np.ndarray) -> np.ndarray:
        """The blend before its temperature (what training fits the temperature on), from
        the model's probabilities and `closest`'s reading of the same messages."""
        votes = log_softmax(self.scale * closest)
        model = np.log(np.clip(np.atleast_2d(probabilities), 1e-12, None))
        return (1.0 - self.weight) * model + self.weight * votes

    def blend(self, probabilities: np.ndarray, closest: np.ndarray) -> np.ndarray:
        """The intent model's calibrated `probabilities` (messages, intents) mixed with the
        vote of `closest` (the same messages' reading): calibrated probabilities again."""
        return np.exp(log_softmax(self.blended_logits(probabilities, closest)
                                  / self.temperature))

    def save(self, folder: Path) -> None:
        np.savez(folder / NEIGHBOURS_FILE, vectors=self.vectors, starts=self.starts,
                 weight=np.float32(self.weight), scale=np.float32(self.scale),
                 temperature=np.float32(self.temperature))

    @classmethod
    def load(cls, folder: Path) -> NeighbourVote:
        """The vote saved in a model folder whose manifest lists one (a missing or damaged
        file is `DamagedFile`)."""
        path = Path(folder) / NEIGHBOURS_FILE
        with reading(path, MODEL_FIX), np.load(path) as saved:
            return cls(np.ascontiguousarray(saved["vectors"], dtype=np.float32),
                       saved["starts"].astype(np.int64), float(saved["weight"]),
                       float(saved["scale"]), float(saved["temperature"]))
