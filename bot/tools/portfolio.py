"""Portfolio advice: a risk questionnaire, a transparent risk score and a long-only allocation.

The message path is questionnaire -> `risk_score` -> `allocation_for_score` -> recommendation.
A bank plugs in its own model by implementing `PortfolioAdvisor` and naming it in a spec
string ("module.path:ClassName", see `load_portfolio_advisor`); the reference implementation
uses capital-market assumptions estimated from public data by `training.market_assumptions`.

Allocation: for a score s in 0..100 the reference model maximises
    expected return - (lambda(s) / 2) * variance
over long-only weights that sum to 1 and respect each asset's diversification limit (at most
`max_share_of_group` of its group: cash, bonds or equities). lambda falls geometrically from
`RISK_AVERSION_AT_0` (mostly cash) to `RISK_AVERSION_AT_100`; lambda = 1 maximises the
approximate long-run growth rate (mu - sigma^2 / 2), so no score takes more risk than a
growth-optimal investor would.

Plain mean-variance does not promise that the equity share rises with lambda falling (bonds
can displace cash and shares in odd orders). The scores are therefore solved in order, each
with the constraint "equity share >= the equity share at the score below". The previous
optimum stays feasible, so the constraint binds only where plain mean-variance would cut
shares, and the usual argument still gives non-decreasing variance and expected return:
adding the two optimality inequalities of neighbouring scores gives
(lambda(s-1) - lambda(s)) * (var(s) - var(s-1)) >= 0.
"""

from __future__ import annotations

import importlib
import io
import json
import math
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from statistics import NormalDist
from types import MappingProxyType
from typing import Any, Final, Protocol, cast

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy.optimize import minimize

from bot.errors import ConfigurationError, InvalidAnswer, ModelNotReady, TellerError

DEFAULT_ASSUMPTIONS_PATH: Final = (
    Path(__file__).resolve().parent / "data" / "capital_market_assumptions.json"
)
REGENERATE_HINT: Final = "regenerate it with `python -m training.market_assumptions`"

MIN_SCORE: Final = 0
MAX_SCORE: Final = 100
RISK_AVERSION_AT_0: Final = 20.0
RISK_AVERSION_AT_100: Final = 1.0
WORST_YEAR_PERCENTILE: Final = 0.05
WORST_YEAR_Z: Final = NormalDist().inv_cdf(1.0 - WORST_YEAR_PERCENTILE)  # 1.645

MIN_AGE, MAX_AGE = 18, 100
MIN_HORIZON, MAX_HORIZON = 1, 50

DISCLAIMER: Final = (
    "This is general information, not personal financial advice: it does not know your "
    "whole financial situation, tax position or other needs. Investments can fall as well "
    "as rise and you may get back less than you put in. Please speak to a qualified "
    "financial adviser before you invest."
)


# --- Questionnaire -------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One allowed answer: the text a customer sees and the points it adds to the score."""

    label: str
    points: int


REACTION_QUESTION: Final = "If your investments fell 20% in a year, what would you do?"

GOALS: Final[Mapping[str, Choice]] = {
    "preserve": Choice("Keep my money safe", 0),
    "income": Choice("Earn a steady income", 7),
    "balanced": Choice("A balance of growth and safety", 13),
    "growth": Choice("Grow my money over the long term", 20),
}
REACTIONS_TO_DROP: Final[Mapping[str, Choice]] = {
    "sell_all": Choice("Sell everything", 0),
    "sell_some": Choice("Sell some of it", 8),
    "hold": Choice("Hold on and wait", 17),
    "buy_more": Choice("Buy more while prices are low", 25),
}
INCOME_STABILITY: Final[Mapping[str, Choice]] = {
    "unstable": Choice("My income is irregular or uncertain", 0),
    "stable": Choice("My income is steady", 5),
    "very_stable": Choice("My income is very secure and I have savings to fall back on", 10),
}

# Points for the two numeric answers: horizon 0 (1 year) .. 30 (20 years or more),
# age 15 (30 or younger) .. 0 (80 or older). All maxima add up to MAX_SCORE.
HORIZON_POINTS_MAX, HORIZON_FULL_YEARS = 30, 20
AGE_POINTS_MAX, AGE_YOUNG, AGE_OLD = 15, 30, 80
# Money needed soon cannot ride out a fall, whatever the other answers: the score is capped
# at this many points per year of horizon (1 year -> 25, 2 -> 50, 3 -> 75, 4+ -> no cap).
SCORE_CAP_PER_HORIZON_YEAR: Final = 25

RISK_LABELS: Final = (
    (20, "cautious"),
    (40, "moderately cautious"),
    (60, "balanced"),
    (80, "moderately adventurous"),
    (MAX_SCORE + 1, "adventurous"),
)


class InvalidQuestionnaire(InvalidAnswer):
    """An answer outside the allowed range; `field` (also `question`) names the question."""

    @property
    def question(self) -> str:
        return self.field


def _choices_text(choices: Mapping[str, Choice]) -> str:
    return "; ".join(f'"{choice.label}"' for choice in choices.values())


def _check_whole_number(question: str, value: object, low: int, high: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidQuestionnaire(
            question, f"Please enter {what} as a whole number from {low} to {high}."
        )


def _check_choice(question: str, value: object, choices: Mapping[str, Choice], what: str) -> None:
    if not isinstance(value, str) or value not in choices:
        raise InvalidQuestionnaire(
            question, f"Please choose {what} from: {_choices_text(choices)}."
        )


@dataclass(frozen=True)
class RiskQuestionnaire:
    """A customer's answers. Choice fields hold the keys of `GOALS`, `REACTIONS_TO_DROP`
    and `INCOME_STABILITY`."""

    age: int
    horizon_years: int
    goal: str
    reaction_to_drop: str
    income_stability: str

    def __post_init__(self) -> None:
        _check_whole_number("age", self.age, MIN_AGE, MAX_AGE, "your age")
        _check_whole_number("horizon_years", self.horizon_years, MIN_HORIZON, MAX_HORIZON,
                            "how many years you plan to stay invested")
        _check_choice("goal", self.goal, GOALS, "your goal")
        _check_choice("reaction_to_drop", self.reaction_to_drop, REACTIONS_TO_DROP,
                      "what you would do if your investments fell 20% in a year")
        _check_choice("income_stability", self.income_stability, INCOME_STABILITY,
                      "how secure your income is")


# --- Risk score ----------------------------------------------------------------------------


def _horizon_points(years: int) -> int:
    full = min(years, HORIZON_FULL_YEARS) - MIN_HORIZON
    return round(HORIZON_POINTS_MAX * full / (HORIZON_FULL_YEARS - MIN_HORIZON))


def _age_points(age: int) -> int:
    clamped = min(max(age, AGE_YOUNG), AGE_OLD)
    return round(AGE_POINTS_MAX * (AGE_OLD - clamped) / (AGE_OLD - AGE_YOUNG))


def score_breakdown(q: RiskQuestionnaire) -> dict[str, int]:
    """Points per answer, before the short-horizon cap: the 'why' behind `risk_score`."""
    return {
        "horizon_years": _horizon_points(q.horizon_years),
        "reaction_to_drop": REACTIONS_TO_DROP[q.reaction_to_drop].points,
        "goal": GOALS[q.goal].points,
        "income_stability": INCOME_STABILITY[q.income_stability].points,
        "age": _age_points(q.age),
    }


def risk_score(q: RiskQuestionnaire) -> int:
    """0 (no room for risk) .. 100: the sum of `score_breakdown`, capped for short horizons.

    Every term and the cap are non-decreasing in a longer horizon, a calmer reaction, a
    more growth-minded goal, a more stable income and a younger age, so the score is too.
    """
    cap = SCORE_CAP_PER_HORIZON_YEAR * q.horizon_years
    return min(sum(score_breakdown(q).values()), cap, MAX_SCORE)


def _check_score(score: int) -> None:
    if isinstance(score, bool) or not isinstance(score, int) or not (
        MIN_SCORE <= score <= MAX_SCORE
    ):
        raise ValueError(f"risk score must be a whole number {MIN_SCORE}..{MAX_SCORE}, "
                         f"got {score!r}")


def risk_label(score: int) -> str:
    _check_score(score)
    return next(label for upper, label in RISK_LABELS if score < upper)


# --- Capital-market assumptions ------------------------------------------------------------


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



# --- Allocation ----------------------------------------------------------------------------


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
    _check_score(score)
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
    """Allocations for every score 0..100, solved in order (see the module docstring)."""
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
    _check_score(score)
    return efficient_allocations(assumptions)[score - MIN_SCORE]


# --- Recommendation ------------------------------------------------------------------------


@dataclass(frozen=True)
class PortfolioRecommendation:
    """What the assistant shows. `weights` hold every asset class, largest first (zeros
    included, so they always sum to 1); `labels` are the plain-language names, same order."""

    risk_score: int
    risk_label: str
    weights: dict[str, float]
    labels: dict[str, str]
    expected_return: float
    volatility: float
    worst_year: float
    equity_share: float
    assumptions: list[str] = field(default_factory=list)
    disclaimer: str = DISCLAIMER

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _month_text(period: str) -> str:
    try:
        return datetime.strptime(period, "%Y-%m").strftime("%B %Y")
    except ValueError:
        return period


def worst_year(expected_return: float, volatility: float) -> float:
    """5th-percentile one-year return under a normal approximation: mu - 1.645 sigma."""
    return expected_return - WORST_YEAR_Z * volatility


def assumption_notes(cma: CapitalMarketAssumptions) -> list[str]:
    start, end = _month_text(cma.sample_start), _month_text(cma.sample_end)
    basis = (f"Figures are {cma.return_basis} {cma.currency} returns, before fees, taxes "
             "and inflation")
    if cma.inflation:
        basis += (f"; US core inflation averaged {cma.inflation['annual_rate']:.1%} a year "
                  f"from {_month_text(cma.inflation['start'])} to "
                  f"{_month_text(cma.inflation['end'])}")
    notes = [
        f"Estimated from US market history, {start} to {end} ({cma.sample_months} months). "
        f"Expected returns: {cma.estimator}",
        "Past returns do not guarantee future returns.",
        basis + ".",
        f"Worst year is the {WORST_YEAR_PERCENTILE * 100:.0f}th-percentile one-year return "
        f"under a normal approximation (expected return - {WORST_YEAR_Z:.3f} x volatility): "
        "about one year in twenty could be worse, and real markets have fatter tails than the "
        "normal curve.",
        "Asset classes are represented by market indices and research portfolios, not by "
        "specific funds.",
        *cma.caveats,
    ]
    limits = [f"{a.label} at most {a.max_share_of_group:.0%} of {a.group}"
              for a in cma.assets if a.max_share_of_group < 1]
    if limits:
        notes.append("Diversification limits: " + "; ".join(limits) + ".")
    return notes


def recommend_portfolio(
    q: RiskQuestionnaire, assumptions: CapitalMarketAssumptions
) -> PortfolioRecommendation:
    """Score the answers, take that score's optimal mix and attach figures and caveats."""
    score = risk_score(q)
    allocation = allocation_for_score(score, assumptions)
    order = sorted(range(len(assumptions.assets)),
                   key=lambda i: -allocation.weights[assumptions.assets[i].name])
    ordered = [assumptions.assets[i] for i in order]
    return PortfolioRecommendation(
        risk_score=score,
        risk_label=risk_label(score),
        weights={a.name: allocation.weights[a.name] for a in ordered},
        labels={a.name: a.label for a in ordered},
        expected_return=allocation.expected_return,
        volatility=allocation.volatility,
        worst_year=worst_year(allocation.expected_return, allocation.volatility),
        equity_share=allocation.equity_share,
        assumptions=assumption_notes(assumptions),
    )


# --- Chart ---------------------------------------------------------------------------------

CHART_MIN_WEIGHT: Final = 0.0005  # hide slices that would print as 0.0%


def allocation_chart_png(rec: PortfolioRecommendation) -> bytes:
    """A horizontal bar chart of the allocation with percentages, as PNG bytes.

    Uses a standalone `Figure` with an Agg canvas, so pyplot's global state is untouched.
    """
    shown = [(rec.labels[name], w) for name, w in rec.weights.items() if w >= CHART_MIN_WEIGHT]
    shown.reverse()  # largest on top
    figure = Figure(figsize=(7.0, 0.5 * len(shown) + 1.6), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels, weights = [s[0] for s in shown], [100.0 * s[1] for s in shown]
    bars = axes.barh(labels, weights, color="#2f6f9f")
    axes.bar_label(bars, labels=[f"{w:.1f}%" for w in weights], padding=3)
    axes.set_xlim(0, max(weights) * 1.18)
    axes.set_xlabel("Share of the portfolio (%)")
    axes.set_title(f"Suggested mix: {rec.risk_label} (risk score {rec.risk_score})\n"
                   f"expected {rec.expected_return:.1%} a year, volatility {rec.volatility:.1%}",
                   fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


# --- Plug-in interface ---------------------------------------------------------------------


class PortfolioAdvisor(Protocol):
    """What a bank implements to replace the reference model."""

    def recommend(self, questionnaire: RiskQuestionnaire) -> PortfolioRecommendation: ...


class PortfolioAdvisorError(ConfigurationError):
    """A portfolio advisor spec that cannot be loaded."""


class ReferencePortfolioAdvisor:
    """Mean-variance reference model over the shipped (or a given) assumptions file."""

    def __init__(self, assumptions_path: Path | None = None) -> None:
        self.assumptions_path = assumptions_path or DEFAULT_ASSUMPTIONS_PATH
        self._assumptions: CapitalMarketAssumptions | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load and validate the assumptions once; idempotent and thread-safe."""
        with self._lock:
            if self._assumptions is None:
                self._assumptions = CapitalMarketAssumptions.load(self.assumptions_path)

    @property
    def assumptions(self) -> CapitalMarketAssumptions:
        self.warm_up()
        assert self._assumptions is not None
        return self._assumptions

    def recommend(self, questionnaire: RiskQuestionnaire) -> PortfolioRecommendation:
        return recommend_portfolio(questionnaire, self.assumptions)


REFERENCE_SPEC: Final = "reference"


def load_portfolio_advisor(spec: str) -> PortfolioAdvisor:
    """`"reference"` or `"module.path:ClassName"` (instantiated with no arguments)."""
    spec = spec.strip()
    if spec == REFERENCE_SPEC:
        return ReferencePortfolioAdvisor()
    module_name, _, class_name = spec.partition(":")
    if not module_name or not class_name:
        raise PortfolioAdvisorError(
            f"portfolio advisor {spec!r} should be {REFERENCE_SPEC!r} or 'module.path:ClassName'"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise PortfolioAdvisorError(f"portfolio advisor {spec!r}: cannot import {module_name!r} "
                                    f"({exc}); is the package installed?") from exc
    factory = getattr(module, class_name, None)
    if not callable(factory):
        raise PortfolioAdvisorError(
            f"portfolio advisor {spec!r}: {module_name} has no class {class_name!r}"
        )
    try:
        advisor = factory()
    except Exception as exc:
        raise PortfolioAdvisorError(f"portfolio advisor {spec!r} could not be created with no "
                                    f"arguments: {exc}") from exc
    if not callable(getattr(advisor, "recommend", None)):
        raise PortfolioAdvisorError(
            f"portfolio advisor {spec!r} has no recommend(questionnaire) method"
        )
    return cast(PortfolioAdvisor, advisor)
