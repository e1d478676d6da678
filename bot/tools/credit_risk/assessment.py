"""A credit assessment: probability of default, decision band, reasons and assumptions.

`CreditAssessment` is the credit-risk tool's output, in Python and as JSON
(`CreditAssessmentPayload`, which an HTTP plug-in answers with); `CreditRiskModel` is what a
bank implements to plug in its own model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, Protocol, TypedDict, runtime_checkable

from bot.errors import ConfigurationError
from bot.tools.credit_risk.application import LoanApplication

Band = Literal["approve", "refer", "decline"]
BANDS: Final[tuple[Band, ...]] = ("approve", "refer", "decline")
REASON_COUNT: Final = 4


class CreditReasonPayload(TypedDict):
    feature: str
    text: str
    contribution: float


class CreditAssessmentPayload(TypedDict):
    """The JSON body of an assessment; an HTTP plug-in answers with this."""

    probability_of_default: float
    band: Band
    reasons: list[CreditReasonPayload]
    assumptions: list[str]
    model: str


@dataclass(frozen=True)
class CreditReason:
    """Why the estimate is what it is. `feature` is a `LoanApplication` field; `contribution`
    is its push toward default in log-odds (positive = riskier)."""

    feature: str
    text: str
    contribution: float


@dataclass(frozen=True)
class CreditAssessment:
    probability_of_default: float
    band: Band
    reasons: list[CreditReason]
    assumptions: list[str]
    model: str

    def to_dict(self) -> CreditAssessmentPayload:
        return {
            "probability_of_default": self.probability_of_default,
            "band": self.band,
            "reasons": [
                {"feature": r.feature, "text": r.text, "contribution": r.contribution}
                for r in self.reasons
            ],
            "assumptions": list(self.assumptions),
            "model": self.model,
        }

    @classmethod
    def from_dict(cls, data: object) -> CreditAssessment:
        """Parse a wire assessment; raises ValueError naming the first bad field."""
        if not isinstance(data, Mapping):
            raise ValueError("the assessment is not a JSON object")
        probability = data.get("probability_of_default")
        if isinstance(probability, bool) or not isinstance(probability, int | float) \
                or not 0.0 <= probability <= 1.0:
            raise ValueError(f"probability_of_default must be in [0, 1], got {probability!r}")
        band = data.get("band")
        if band not in BANDS:
            raise ValueError(f"band must be one of {', '.join(BANDS)}, got {band!r}")
        reasons = data.get("reasons")
        if not isinstance(reasons, list):
            raise ValueError("reasons must be a list")
        assumptions = data.get("assumptions", [])
        if not isinstance(assumptions, list) or not all(isinstance(a, str) for a in assumptions):
            raise ValueError("assumptions must be a list of strings")
        model = data.get("model")
        if not isinstance(model, str) or not model:
            raise ValueError("model must be a non-empty string")
        return cls(float(probability), band, [_parse_reason(r) for r in reasons],
                   list(assumptions), model)


def _parse_reason(data: object) -> CreditReason:
    if not isinstance(data, Mapping):
        raise ValueError("each reason must be a JSON object")
    feature, text, contribution = data.get("feature"), data.get("text"), data.get("contribution")
    if not isinstance(feature, str) or not isinstance(text, str) or not text:
        raise ValueError("each reason needs a 'feature' and a non-empty 'text'")
    if isinstance(contribution, bool) or not isinstance(contribution, int | float):
        raise ValueError(f"reason {feature!r} has no numeric 'contribution'")
    return CreditReason(feature, text, float(contribution))


@dataclass(frozen=True)
class DecisionThresholds:
    """Bands by probability of default: approve below `approve_below`, decline above
    `decline_above`, refer to a person in between."""

    approve_below: float = 0.2
    decline_above: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 < self.approve_below < self.decline_above < 1.0:
            raise ConfigurationError(
                "credit-risk thresholds need 0 < approve_below < decline_above < 1; got "
                f"approve_below={self.approve_below}, decline_above={self.decline_above}"
            )

    def band(self, probability_of_default: float) -> Band:
        if probability_of_default < self.approve_below:
            return "approve"
        if probability_of_default > self.decline_above:
            return "decline"
        return "refer"


@runtime_checkable
class CreditRiskModel(Protocol):
    """What a bank implements to plug in its own credit-risk model."""

    def assess(self, application: LoanApplication) -> CreditAssessment: ...
