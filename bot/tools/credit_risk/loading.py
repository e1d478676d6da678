"""The credit-risk model a setting names (`TELLER_CREDIT_RISK_MODEL`)."""

from __future__ import annotations

from pathlib import Path

from bot.tools.credit_risk.assessment import CreditRiskModel, DecisionThresholds
from bot.tools.plugins import load_plugin


def _reference(model_dir: Path, thresholds: DecisionThresholds) -> CreditRiskModel:
    from bot.tools.credit_risk.reference import ReferenceCreditRiskModel  # torch: on demand

    return ReferenceCreditRiskModel(model_dir, thresholds)


def _http(url: str) -> CreditRiskModel:
    from bot.tools.credit_risk.http import HttpCreditRiskModel

    return HttpCreditRiskModel(url)


def load_credit_risk_model(spec: str, model_dir: Path,
                           thresholds: DecisionThresholds) -> CreditRiskModel:
    """"reference" (Teller's model, read from `model_dir` on first use; the application's
    prepare step builds it), "package.module:ClassName" (created with no arguments) or an
    http(s) URL."""
    return load_plugin(spec, what="credit-risk model", method="assess",
                       reference=lambda: _reference(model_dir, thresholds), http=_http)
