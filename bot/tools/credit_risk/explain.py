"""Plain-language reasons and range notes for the reference model's assessments.

A reason states the customer's answer and, where the data says so, that applicants on their
side of it default more often; a range note says when an answer lies outside the training
data and was assessed at its edge.
"""

from __future__ import annotations

from bot.tools.credit_risk.application import LoanApplication, number_text
from bot.tools.credit_risk.encoding import FeatureEncoding
from bot.tools.credit_risk.schema import FEATURES, Feature


def _answer_text(feature: Feature, answer: str | float | bool) -> str:
    if feature.choices is not None:
        key = ("yes" if answer else "no") if isinstance(answer, bool) else str(answer)
        return feature.choices[key].label
    return number_text(float(answer))


def _risky_side(feature: Feature, data_value: str | float, encoding: FeatureEncoding) -> str:
    """Plain words for "your side of this feature defaults more often in our data", or ""
    when the data does not say so (the model's push then comes from interactions)."""
    if feature.choices is not None:
        rate = encoding.default_rates[feature.column].get(str(data_value))
        overall = encoding.overall_default_rate
        if rate is None or rate <= overall:
            return ""
        return (f"{rate:.0%} of our past borrowers with this answer defaulted, against "
                f"{overall:.0%} overall")
    scale = encoding.numeric[feature.column]
    above = float(data_value) > scale.mean
    mine, other = ((scale.default_rate_above_mean, scale.default_rate_at_or_below_mean) if above
                   else (scale.default_rate_at_or_below_mean, scale.default_rate_above_mean))
    if mine <= other:
        return ""
    return f"{feature.more if above else feature.less} default more often in our data"


def reason_text(feature: Feature, answer: str | float | bool, data_value: str | float,
                contribution: float, encoding: FeatureEncoding) -> str:
    fact = feature.fact.format(value=_answer_text(feature, answer))
    if contribution <= 0:
        return f"{fact}; this did not raise your estimate."
    side = _risky_side(feature, data_value, encoding)
    if side:
        return f"{fact}; {side}."
    return f"{fact}; together with your other answers, this raised your estimate."


def range_notes(application: LoanApplication, encoding: FeatureEncoding) -> list[str]:
    """One sentence per numeric answer outside the training data, which the model clips."""
    notes = []
    for feature in FEATURES:
        if feature.categorical or feature.column not in encoding.numeric:
            continue
        answer = float(application.answer(feature))
        scale = encoding.numeric[feature.column]
        low, high = scale.low / feature.scale, scale.high / feature.scale
        if not low <= answer <= high:
            clipped = min(max(answer, low), high)
            notes.append(
                f"Our data covers {feature.name} from {low:,.0f} to {high:,.0f} "
                f"{feature.unit} only, so we assessed your {answer:,.0f} as {clipped:,.0f}."
            )
    return notes
