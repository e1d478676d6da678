"""Teller's reference portfolio advisor: score the answers, take that score's optimal mix
over the shipped capital-market assumptions, attach the figures and caveats."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from statistics import NormalDist
from typing import Final

from bot.tools.plugins import LoadOnce
from bot.tools.portfolio.allocation import allocation_for_score
from bot.tools.portfolio.assumptions import DEFAULT_ASSUMPTIONS_PATH, CapitalMarketAssumptions
from bot.tools.portfolio.questionnaire import RiskQuestionnaire
from bot.tools.portfolio.recommendation import PortfolioRecommendation
from bot.tools.portfolio.score import risk_label, risk_score

WORST_YEAR_PERCENTILE: Final = 0.05
WORST_YEAR_Z: Final = NormalDist().inv_cdf(1.0 - WORST_YEAR_PERCENTILE)  # 1.645


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


class ReferencePortfolioAdvisor:
    """Mean-variance reference model over the shipped (or a given) assumptions file, read
    and validated once, on first use (`warm_up`), under a lock."""

    def __init__(self, assumptions_path: Path | None = None) -> None:
        self.assumptions_path = assumptions_path or DEFAULT_ASSUMPTIONS_PATH
        self._assumptions = LoadOnce(lambda: CapitalMarketAssumptions.load(self.assumptions_path))

    def warm_up(self) -> None:
        self._assumptions.get()

    @property
    def assumptions(self) -> CapitalMarketAssumptions:
        return self._assumptions.get()

    def recommend(self, questionnaire: RiskQuestionnaire) -> PortfolioRecommendation:
        return recommend_portfolio(questionnaire, self.assumptions)
