"""A bank's own credit-risk model behind an HTTP endpoint."""

from __future__ import annotations

from typing import Final

from bot.tools.credit_risk.application import LoanApplication
from bot.tools.credit_risk.assessment import CreditAssessment
from bot.tools.plugins import ToolError, check_service_url, post_json, safe_url

SERVICE: Final = "credit-risk service"


class HttpCreditRiskModel:
    """POST the application JSON (`LoanApplicationPayload`), read a `CreditAssessmentPayload`
    back. Every failure is a `ToolError` (HTTP 502) naming the service."""

    def __init__(self, url: str, timeout_seconds: float = 5.0) -> None:
        check_service_url(url, timeout_seconds, SERVICE)
        self.url = url
        self.timeout_seconds = timeout_seconds

    def assess(self, application: LoanApplication) -> CreditAssessment:
        answer = post_json(self.url, application.to_dict(), self.timeout_seconds, SERVICE)
        try:
            return CreditAssessment.from_dict(answer)
        except ValueError as exc:
            raise ToolError(f"{SERVICE} {safe_url(self.url)} sent an invalid assessment: "
                            f"{exc}") from exc
