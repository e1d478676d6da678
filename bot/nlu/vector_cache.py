"""A bounded, thread-safe LRU of message -> vector.

Customers repeat themselves and each other: "yes", "no", "hi", "thanks", an amount in a
form. A message read before is not read again by the model. The vectors are read-only, so
a caller cannot change what the next one gets.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

import numpy as np


class VectorCache:
    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            vector = self._vectors.get(text)
            if vector is not None:
                self._vectors.move_to_end(text)
            return vector

    def found(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vectors of those of `texts` that have one."""
        with self._lock:
            hits = {t: self._vectors[t] for t in texts if t in self._vectors}
            for text in hits:
                self._vectors.move_to_end(text)
            return hits

    def put(self, items: Iterable[tuple[str, np.ndarray]]) -> list[np.ndarray]:
        """Keep each text's vector (the most recent `size` are kept); returns the vectors as
        kept: float32, contiguous, read-only."""
        kept = []
        for text, vector in items:
            vector = np.array(vector, dtype=np.float32)  # a copy: the caller's stays its own
            vector.setflags(write=False)
            kept.append((text, vector))
        if self.size > 0:
            with self._lock:
                for text, vector in kept:
                    self._vectors[text] = vector
                    self._vectors.move_to_end(text)
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return [vector for _, vector in kept]

    def read_through(self, texts: list[str],
                     compute: Callable[[list[str]], Iterable[np.ndarray]]) -> np.ndarray:
        """The vectors of `texts`, one row each: cached ones as kept, the others from one
        `compute` call over the distinct missing texts, then kept."""
        found = self.found(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            kept = self.put(list(zip(missing, compute(missing), strict=True)))
            found.update(zip(missing, kept, strict=True))
        return np.stack([found[t] for t in texts])

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()
