"""A bank's own portfolio advisor behind an HTTP endpoint."""

from __future__ import annotations

from typing import Final

from bot.tools.plugins import ToolError, check_service_url, post_json, safe_url
from bot.tools.portfolio.questionnaire import RiskQuestionnaire
from bot.tools.portfolio.recommendation import PortfolioRecommendation

SERVICE: Final = "portfolio service"


class HttpPortfolioAdvisor:
    """POST the questionnaire JSON (`RiskQuestionnairePayload`), read a
    `PortfolioRecommendationPayload` back. Every failure is a `ToolError` naming the service."""

    def __init__(self, url: str, timeout_seconds: float = 5.0) -> None:
        check_service_url(url, timeout_seconds, SERVICE)
        self.url = url
        self.timeout_seconds = timeout_seconds

    def recommend(self, questionnaire: RiskQuestionnaire) -> PortfolioRecommendation:
        answer = post_json(self.url, questionnaire.to_dict(), self.timeout_seconds, SERVICE)
        try:
            return PortfolioRecommendation.from_dict(answer)
        except ValueError as exc:
            raise ToolError(f"{SERVICE} {safe_url(self.url)} sent an invalid recommendation: "
                            f"{exc}") from exc
