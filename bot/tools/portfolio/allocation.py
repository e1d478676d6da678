"""The reference allocation: for each risk score, the long-only mean-variance optimum.

See the package docstring for the objective and why the scores are solved in order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Final, cast

import numpy as np
from scipy.optimize import minimize

from bot.errors import TellerError
from bot.tools.portfolio.assumptions import CapitalMarketAssumptions
from bot.tools.portfolio.score import MAX_SCORE, MIN_SCORE, check_score

RISK_AVERSION_AT_0: Final = 20.0
RISK_AVERSION_AT_100: Final = 1.0


@dataclass(frozen=True)
class Allocation:
    """The optimal mix for one score. `weights` follow the assumptions' asset order and are
    read-only, because allocations are cached and shared."""

    score: int
    risk_aversion: float
    weights: Mapping[str, float]
    expected_return: float
    volatility: float
    equity_share: float


def risk_aversion(score: int) -> float:
    """lambda(score): geometric from `RISK_AVERSION_AT_0` down to `RISK_AVERSION_AT_100`."""
    check_score(score)
    ratio = RISK_AVERSION_AT_100 / RISK_AVERSION_AT_0
    return RISK_AVERSION_AT_0 * ratio ** (score / MAX_SCORE)


SOLVER_NOISE: Final = 1e-12  # SLSQP leaves ~1e-18 in assets it means to exclude


class PortfolioOptimisationError(TellerError):
    """The optimiser did not converge; the assumptions are probably degenerate."""


def _optimise(
    cma: CapitalMarketAssumptions, lam: float, equity_floor: float, start: np.ndarray
) -> np.ndarray:
    """Long-only weights maximising mu'w - lam/2 w'Sw: sum 1, group limits, equity floor."""
    mu, cov, equity, limits = (cma.expected_returns, cma.covariance, cma.equity_mask,
                               cma.group_limits())
    result = minimize(
        lambda w: -(mu @ w - 0.5 * lam * w @ cov @ w),
        start,
        jac=lambda w: -(mu - lam * cov @ w),
        method="SLSQP",
        bounds=[(0.0, 1.0)] * len(mu),
        constraints=[
            {"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones_like(w)},
            {"type": "ineq", "fun": lambda w: equity @ w - equity_floor,
             "jac": lambda w: equity},
            {"type": "ineq", "fun": lambda w: limits @ w, "jac": lambda w: limits},
        ],
        options={"ftol": 1e-13, "maxiter": 1000},
    )
    if not result.success:
        raise PortfolioOptimisationError(
            f"portfolio optimiser failed at risk aversion {lam:.3g}: {result.message}"
        )
    weights = np.where(result.x < SOLVER_NOISE, 0.0, result.x)
    return cast(np.ndarray, weights / weights.sum())


def _allocation(cma: CapitalMarketAssumptions, score: int, weights: np.ndarray) -> Allocation:
    return Allocation(
        score=score,
        risk_aversion=risk_aversion(score),
        weights=MappingProxyType(dict(zip(cma.names, map(float, weights), strict=True))),
        expected_return=float(cma.expected_returns @ weights),
        volatility=math.sqrt(float(weights @ cma.covariance @ weights)),
        equity_share=float(cma.equity_mask @ weights),
    )


def _start_weights(cma: CapitalMarketAssumptions) -> np.ndarray:
    """Equal weights: a start point; SLSQP needs no feasible one."""
    return np.full(len(cma.assets), 1.0 / len(cma.assets))


@lru_cache(maxsize=8)
def efficient_allocations(cma: CapitalMarketAssumptions) -> tuple[Allocation, ...]:
    """Allocations for every score 0..100, solved in order (see the package docstring)."""
    allocations: list[Allocation] = []
    weights, floor = _start_weights(cma), 0.0
    for score in range(MIN_SCORE, MAX_SCORE + 1):
        weights = _optimise(cma, risk_aversion(score), floor, weights)
        allocation = _allocation(cma, score, weights)
        floor = allocation.equity_share
        allocations.append(allocation)
    return tuple(allocations)


def allocation_for_score(score: int, assumptions: CapitalMarketAssumptions) -> Allocation:
    """The optimal long-only mix for a risk score 0..100 (cached per assumptions object)."""
    check_score(score)
    return efficient_allocations(assumptions)[score - MIN_SCORE]
