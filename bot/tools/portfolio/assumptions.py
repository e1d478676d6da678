"""Capital-market assumptions: expected returns and covariance of the asset classes, read from
the JSON file that `training.market_assumptions` writes (one ships in `bot/tools/data/`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from bot.errors import ModelNotReady

DEFAULT_ASSUMPTIONS_PATH: Final = (
    Path(__file__).resolve().parents[1] / "data" / "capital_market_assumptions.json"
)
REGENERATE_HINT: Final = "regenerate it with `python -m training.market_assumptions`"


class AssumptionsError(ModelNotReady):
    """The capital-market assumptions file is missing or unusable."""


@dataclass(frozen=True)
class AssetClass:
    """One asset class; `max_share_of_group` limits its weight within its group's total."""

    name: str
    label: str
    group: str
    equity: bool
    max_share_of_group: float = 1.0


def _asset_class(entry: Mapping[str, Any]) -> AssetClass:
    if not isinstance(entry["equity"], bool):
        raise TypeError(f"asset {entry['name']!r}: 'equity' must be true or false")
    return AssetClass(str(entry["name"]), str(entry["label"]), str(entry["group"]),
                      entry["equity"], float(entry.get("max_share_of_group", 1.0)))


@dataclass(frozen=True, eq=False)
class CapitalMarketAssumptions:
    """Annualised expected returns and covariance, aligned with `assets`.

    Compared by identity (`eq=False`), so a loaded instance can key the frontier cache.
    """

    assets: tuple[AssetClass, ...]
    expected_returns: np.ndarray
    covariance: np.ndarray
    sample_start: str
    sample_end: str
    sample_months: int
    estimator: str
    currency: str
    return_basis: str
    caveats: tuple[str, ...] = ()
    inflation: Mapping[str, Any] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(asset.name for asset in self.assets)

    @property
    def equity_mask(self) -> np.ndarray:
        return np.array([asset.equity for asset in self.assets], dtype=float)

    def group_limits(self) -> np.ndarray:
        """Rows A with A @ w >= 0 meaning: w_i <= max_share_of_group_i * (weight of i's group).

        Only assets with a limit below 1 get a row.
        """
        rows = [
            np.array([asset.max_share_of_group * (other.group == asset.group)
                      - (other is asset) for other in self.assets], dtype=float)
            for asset in self.assets
            if asset.max_share_of_group < 1
        ]
        return np.array(rows, dtype=float).reshape(len(rows), len(self.assets))

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], source: str = "assumptions"
    ) -> CapitalMarketAssumptions:
        try:
            assets = tuple(_asset_class(a) for a in data["assets"])
            assumptions = cls(
                assets=assets,
                expected_returns=np.array([a["expected_return"] for a in data["assets"]],
                                          dtype=float),
                covariance=np.array(data["covariance"], dtype=float),
                sample_start=str(data["sample"]["start"]),
                sample_end=str(data["sample"]["end"]),
                sample_months=int(data["sample"]["months"]),
                estimator=str(data["method"]["expected_return"]),
                currency=str(data["currency"]),
                return_basis=str(data["return_basis"]),
                caveats=tuple(str(c) for c in data.get("caveats", ())),
                inflation=data.get("inflation_context"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise AssumptionsError(f"{source} is malformed ({exc!r}); {REGENERATE_HINT}") from exc
        assumptions.validate(source)
        return assumptions

    @classmethod
    def load(cls, path: Path = DEFAULT_ASSUMPTIONS_PATH) -> CapitalMarketAssumptions:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise AssumptionsError(f"no capital-market assumptions at {path}; "
                                   f"{REGENERATE_HINT}") from exc
        except (OSError, json.JSONDecodeError) as exc:
            raise AssumptionsError(f"cannot read {path} ({exc}); {REGENERATE_HINT}") from exc
        return cls.from_dict(data, source=str(path))

    def validate(self, source: str = "assumptions") -> None:
        """Shapes agree, numbers are finite, limits can be met, covariance is PD."""
        n = len(self.assets)
        problems = []
        if n == 0:
            problems.append("no asset classes")
        if len(set(self.names)) != n:
            problems.append("duplicate asset names")
        if self.expected_returns.shape != (n,) or self.covariance.shape != (n, n):
            problems.append("expected returns / covariance do not match the asset list")
        elif not (np.isfinite(self.expected_returns).all() and np.isfinite(self.covariance).all()):
            problems.append("non-finite numbers")
        elif not np.allclose(self.covariance, self.covariance.T):
            problems.append("covariance is not symmetric")
        elif np.linalg.eigvalsh(self.covariance).min() <= 0:
            problems.append("covariance is not positive definite")
        shares: dict[str, float] = {}
        for asset in self.assets:
            if not 0 < asset.max_share_of_group <= 1:
                problems.append(f"{asset.name}: max_share_of_group must be in (0, 1]")
            shares[asset.group] = shares.get(asset.group, 0.0) + asset.max_share_of_group
        short = sorted(group for group, total in shares.items() if total < 1)
        if short:
            problems.append(f"group limits add up to less than 100% in {', '.join(short)}")
        if problems:
            raise AssumptionsError(f"{source}: {'; '.join(problems)}; {REGENERATE_HINT}")
