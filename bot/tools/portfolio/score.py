"""The risk score: points per questionnaire answer, capped for short horizons, 0..100."""

from __future__ import annotations

from typing import Final

from bot.tools.portfolio.questionnaire import (
    GOALS,
    INCOME_STABILITY,
    MIN_HORIZON,
    REACTIONS_TO_DROP,
    RiskQuestionnaire,
)

MIN_SCORE: Final = 0
MAX_SCORE: Final = 100

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


def check_score(score: int) -> None:
    if isinstance(score, bool) or not isinstance(score, int) or not (
        MIN_SCORE <= score <= MAX_SCORE
    ):
        raise ValueError(f"risk score must be a whole number {MIN_SCORE}..{MAX_SCORE}, "
                         f"got {score!r}")


def risk_label(score: int) -> str:
    check_score(score)
    return next(label for upper, label in RISK_LABELS if score < upper)
