"""How the reference model reads an application: one-hot categoricals, standardised numbers.

Saved in the model folder's manifest (`preprocessing`) by `training.credit_risk` and read back
by `bot.tools.credit_risk.reference`. Needs numpy only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

TARGET_COLUMN: Final = "creditability"
DEFAULT_LABEL: Final = "bad"
Record = Mapping[str, str | float]
"""One application in the data's terms: column name -> category string or number."""


@dataclass(frozen=True)
class NumericScale:
    """How one numeric column is standardised, and its default rates either side of the mean.

    Values are clipped to the training range [low, high] first: beyond the data the model
    treats a value like the most extreme one it has seen (as a scorecard's open-ended bin).
    """

    mean: float
    std: float
    low: float
    high: float
    default_rate_above_mean: float
    default_rate_at_or_below_mean: float


@dataclass(frozen=True)
class FeatureEncoding:
    """One-hot categoricals (in `categories` order) then standardised numerics.

    Fitted on training rows only (`training.credit_risk.fit_encoding`); categories unseen in
    training encode as all zeros. `default_rates` (per category) and the numeric rates feed
    the plain-language reasons.
    """

    categories: Mapping[str, tuple[str, ...]]
    numeric: Mapping[str, NumericScale]
    modes: Mapping[str, str]
    default_rates: Mapping[str, Mapping[str, float]]
    overall_default_rate: float

    @property
    def width(self) -> int:
        return sum(len(c) for c in self.categories.values()) + len(self.numeric)

    def groups(self) -> dict[str, slice]:
        """Input columns of each source feature."""
        spans: dict[str, slice] = {}
        start = 0
        for column, values in self.categories.items():
            spans[column] = slice(start, start + len(values))
            start += len(values)
        for column in self.numeric:
            spans[column] = slice(start, start + 1)
            start += 1
        return spans

    def encode(self, records: Sequence[Record]) -> np.ndarray:
        out = np.zeros((len(records), self.width), dtype=np.float32)
        spans = self.groups()
        for column, values in self.categories.items():
            index = {value: spans[column].start + i for i, value in enumerate(values)}
            for row, record in enumerate(records):
                position = index.get(str(record[column]))
                if position is not None:
                    out[row, position] = 1.0
        for column, scale in self.numeric.items():
            raw = np.array([float(record[column]) for record in records])
            out[:, spans[column].start] = (np.clip(raw, scale.low, scale.high) - scale.mean) \
                / scale.std
        return out

    def baseline(self) -> np.ndarray:
        """The typical applicant: every categorical at its mode, every numeric at its mean."""
        record: dict[str, str | float] = dict(self.modes)
        record.update({column: scale.mean for column, scale in self.numeric.items()})
        return self.encode([record])[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "categories": {k: list(v) for k, v in self.categories.items()},
            "numeric": {k: vars(v) for k, v in self.numeric.items()},
            "modes": dict(self.modes),
            "default_rates": {k: dict(v) for k, v in self.default_rates.items()},
            "overall_default_rate": self.overall_default_rate,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeatureEncoding:
        return cls(
            categories={k: tuple(v) for k, v in data["categories"].items()},
            numeric={k: NumericScale(**v) for k, v in data["numeric"].items()},
            modes=dict(data["modes"]),
            default_rates={k: dict(v) for k, v in data["default_rates"].items()},
            overall_default_rate=float(data["overall_default_rate"]),
        )
