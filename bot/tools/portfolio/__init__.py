"""Portfolio advice: a risk questionnaire, a transparent risk score and a long-only allocation.

The message path is questionnaire -> `risk_score` -> `allocation_for_score` -> recommendation.
A bank plugs in its own model by implementing `PortfolioAdvisor` and naming it in a spec
string ("package.module:ClassName" or an http(s) URL, see `load_portfolio_advisor`); the
reference implementation uses capital-market assumptions estimated from public data by
`training.market_assumptions`.

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

Modules, each with one job: `questionnaire` (the answers, their limits and the published
`FORM_INPUT`; cheap to import), `score` (the risk score), `assumptions` (the capital-market
assumptions file), `allocation` (the optimiser), `recommendation` (the result and the
`PortfolioAdvisor` protocol), `reference` (the reference advisor), `chart` (the PNG chart),
`http` (the HTTP plug-in), `loading` (by spec). Importing this package loads only the
questionnaire, score and recommendation; the others load on first use of a name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.tools.plugins import lazy_export
from bot.tools.portfolio.questionnaire import (
    ACTION,
    FORM_INPUT,
    GOALS,
    INCOME_STABILITY,
    MAX_AGE,
    MAX_HORIZON,
    MIN_AGE,
    MIN_HORIZON,
    REACTION_QUESTION,
    REACTIONS_TO_DROP,
    InvalidQuestionnaire,
    RiskQuestionnaire,
    RiskQuestionnairePayload,
    ScoredChoice,
)
from bot.tools.portfolio.recommendation import (
    DISCLAIMER,
    PortfolioAdvisor,
    PortfolioRecommendation,
    PortfolioRecommendationPayload,
)
from bot.tools.portfolio.score import (
    MAX_SCORE,
    MIN_SCORE,
    RISK_LABELS,
    risk_label,
    risk_score,
    score_breakdown,
)

if TYPE_CHECKING:
    from bot.tools.portfolio.allocation import (
        RISK_AVERSION_AT_0,
        RISK_AVERSION_AT_100,
        Allocation,
        PortfolioOptimisationError,
        allocation_for_score,
        efficient_allocations,
        risk_aversion,
    )
    from bot.tools.portfolio.assumptions import (
        DEFAULT_ASSUMPTIONS_PATH,
        REGENERATE_HINT,
        AssetClass,
        AssumptionsError,
        CapitalMarketAssumptions,
    )
    from bot.tools.portfolio.chart import allocation_chart_png
    from bot.tools.portfolio.http import HttpPortfolioAdvisor
    from bot.tools.portfolio.loading import PortfolioAdvisorError, load_portfolio_advisor
    from bot.tools.portfolio.reference import (
        WORST_YEAR_PERCENTILE,
        WORST_YEAR_Z,
        ReferencePortfolioAdvisor,
        assumption_notes,
        recommend_portfolio,
        worst_year,
    )

_LAZY = {
    **dict.fromkeys(("RISK_AVERSION_AT_0", "RISK_AVERSION_AT_100", "Allocation",
                     "PortfolioOptimisationError", "allocation_for_score",
                     "efficient_allocations", "risk_aversion"), "allocation"),
    **dict.fromkeys(("DEFAULT_ASSUMPTIONS_PATH", "REGENERATE_HINT", "AssetClass",
                     "AssumptionsError", "CapitalMarketAssumptions"), "assumptions"),
    "allocation_chart_png": "chart",
    "HttpPortfolioAdvisor": "http",
    "PortfolioAdvisorError": "loading", "load_portfolio_advisor": "loading",
    **dict.fromkeys(("WORST_YEAR_PERCENTILE", "WORST_YEAR_Z", "ReferencePortfolioAdvisor",
                     "assumption_notes", "recommend_portfolio", "worst_year"), "reference"),
}


def __getattr__(name: str) -> Any:
    """The heavy names (numpy, scipy, matplotlib, httpx), imported on first use."""
    return lazy_export(__name__, _LAZY, name)


__all__ = [
    "ACTION",
    "DEFAULT_ASSUMPTIONS_PATH",
    "DISCLAIMER",
    "FORM_INPUT",
    "GOALS",
    "INCOME_STABILITY",
    "MAX_AGE",
    "MAX_HORIZON",
    "MAX_SCORE",
    "MIN_AGE",
    "MIN_HORIZON",
    "MIN_SCORE",
    "REACTIONS_TO_DROP",
    "REACTION_QUESTION",
    "REGENERATE_HINT",
    "RISK_AVERSION_AT_0",
    "RISK_AVERSION_AT_100",
    "RISK_LABELS",
    "WORST_YEAR_PERCENTILE",
    "WORST_YEAR_Z",
    "Allocation",
    "AssetClass",
    "AssumptionsError",
    "CapitalMarketAssumptions",
    "HttpPortfolioAdvisor",
    "InvalidQuestionnaire",
    "PortfolioAdvisor",
    "PortfolioAdvisorError",
    "PortfolioOptimisationError",
    "PortfolioRecommendation",
    "PortfolioRecommendationPayload",
    "ReferencePortfolioAdvisor",
    "RiskQuestionnaire",
    "RiskQuestionnairePayload",
    "ScoredChoice",
    "allocation_chart_png",
    "allocation_for_score",
    "assumption_notes",
    "efficient_allocations",
    "load_portfolio_advisor",
    "recommend_portfolio",
    "risk_aversion",
    "risk_label",
    "risk_score",
    "score_breakdown",
    "worst_year",
]
