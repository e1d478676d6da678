"""A portfolio recommendation: the tool's output in Python and as JSON, and the
`PortfolioAdvisor` protocol a bank implements to plug in its own model."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Protocol, TypedDict, runtime_checkable

from bot.tools.portfolio.questionnaire import RiskQuestionnaire
from bot.tools.portfolio.score import MAX_SCORE, MIN_SCORE

DISCLAIMER: Final = (
    "This is general information, not personal financial advice: it does not know your "
    "whole financial situation, tax position or other needs. Investments can fall as well "
    "as rise and you may get back less than you put in. Please speak to a qualified "
    "financial adviser before you invest."
)
WEIGHT_SUM_TOLERANCE: Final = 0.01


class PortfolioRecommendationPayload(TypedDict):
    """The JSON body of a recommendation; an HTTP plug-in answers with this."""

    risk_score: int
    risk_label: str
    weights: dict[str, float]
    labels: dict[str, str]
    expected_return: float
    volatility: float
    worst_year: float
    equity_share: float
    assumptions: list[str]
    disclaimer: str


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

    def to_dict(self) -> PortfolioRecommendationPayload:
        return {
            "risk_score": self.risk_score, "risk_label": self.risk_label,
            "weights": dict(self.weights), "labels": dict(self.labels),
            "expected_return": self.expected_return, "volatility": self.volatility,
            "worst_year": self.worst_year, "equity_share": self.equity_share,
            "assumptions": list(self.assumptions), "disclaimer": self.disclaimer,
        }

    @classmethod
    def from_dict(cls, data: object) -> PortfolioRecommendation:
        """Parse a wire recommendation; raises ValueError naming the first bad field. A
        missing `disclaimer` takes Teller's own."""
        if not isinstance(data, Mapping):
            raise ValueError("the recommendation is not a JSON object")
        score = data.get("risk_score")
        if isinstance(score, bool) or not isinstance(score, int) \
                or not MIN_SCORE <= score <= MAX_SCORE:
            raise ValueError(f"risk_score must be a whole number {MIN_SCORE}..{MAX_SCORE}, "
                             f"got {score!r}")
        weights = _number_map(data, "weights")
        if any(w < 0 for w in weights.values()) \
                or abs(sum(weights.values()) - 1.0) > WEIGHT_SUM_TOLERANCE:
            raise ValueError("weights must be non-negative and add up to 1")
        labels = data.get("labels")
        if not isinstance(labels, Mapping) or set(labels) != set(weights) \
                or not all(isinstance(v, str) and v for v in labels.values()):
            raise ValueError("labels must name every asset in weights")
        assumptions = data.get("assumptions", [])
        if not isinstance(assumptions, list) or not all(isinstance(a, str) for a in assumptions):
            raise ValueError("assumptions must be a list of strings")
        return cls(
            risk_score=score, risk_label=_text(data, "risk_label"), weights=weights,
            labels={str(k): str(v) for k, v in labels.items()},
            expected_return=_number(data, "expected_return"),
            volatility=_number(data, "volatility"), worst_year=_number(data, "worst_year"),
            equity_share=_number(data, "equity_share"), assumptions=list(assumptions),
            disclaimer=_text(data, "disclaimer") if "disclaimer" in data else DISCLAIMER,
        )


def _text(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} must be a non-empty string")
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) \
        and math.isfinite(value)


def _number(data: Mapping[str, object], key: str) -> float:
    value = data.get(key)
    if not isinstance(value, int | float) or not _is_number(value):
        raise ValueError(f"{key} must be a finite number, got {value!r}")
    return float(value)


def _number_map(data: Mapping[str, object], key: str) -> dict[str, float]:
    value = data.get(key)
    if not isinstance(value, Mapping) or not value \
            or not all(isinstance(k, str) and _is_number(v) for k, v in value.items()):
        raise ValueError(f"{key} must map asset names to numbers")
    return {k: float(v) for k, v in value.items()}


@runtime_checkable
class PortfolioAdvisor(Protocol):
    """What a bank implements to replace the reference model."""

    def recommend(self, questionnaire: RiskQuestionnaire) -> PortfolioRecommendation: ...
