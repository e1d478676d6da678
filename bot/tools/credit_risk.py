"""Credit risk: a loan application in, a probability of default, a band and reasons out.

A bank plugs in its own model by implementing `CreditRiskModel` and naming it in a spec string
(see `load_credit_risk_model`): "reference", "package.module:ClassName" or an http(s) URL.

The reference model (`ReferenceCreditRiskModel`) is trained by `training.credit_risk` on the
German Credit data (1,000 loans from a German bank in the 1970s, 30% defaults). That data
is in Deutsche Mark: amounts are converted at the fixed euro rate, 1 EUR = 1.95583 DM, and the
savings and checking-account bands keep the data's DM edges (their keys, such as
"under_100", name DM; their labels give euros: 100 DM is 51 EUR). Fields a customer may not
know are optional; a missing one takes the most common answer in the data, and the
assessment says so in one sentence per assumption.

Reasons come from integrated gradients (captum) over the model's input encoding, from the
"typical applicant" (numeric features at their training mean, categorical ones at their
most common value) to the customer. The attributions of a feature's one-hot columns are
summed, so each reason's `contribution` is that feature's share, in log-odds, of the gap
between the customer's and the typical applicant's calibrated default log-odds.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Final, Literal, NotRequired, Protocol, TypedDict, runtime_checkable

import httpx
import numpy as np
import torch
from torch import nn

from bot.errors import ConfigurationError, InvalidAnswer, ModelNotReady, TellerError

logger = logging.getLogger(__name__)

KIND: Final = "credit-risk-mlp-v1"
WEIGHTS_FILE: Final = "weights.safetensors"
DM_PER_EUR: Final = 1.95583
REASON_COUNT: Final = 4
TARGET_COLUMN: Final = "creditability"
DEFAULT_LABEL: Final = "bad"

Band = Literal["approve", "refer", "decline"]
BANDS: Final[tuple[Band, ...]] = ("approve", "refer", "decline")
Record = Mapping[str, str | float]


# --- Allowed answers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One allowed answer: the text a customer sees and the category string in the data."""

    label: str
    data_value: str


PURPOSES: Final[Mapping[str, Choice]] = {
    "new_car": Choice("a new car", "car (new)"),
    "used_car": Choice("a used car", "car (used)"),
    "furniture": Choice("furniture or equipment", "furniture/equipment"),
    "radio_tv": Choice("a radio or television", "radio/television"),
    "appliances": Choice("domestic appliances", "domestic appliances"),
    "repairs": Choice("repairs", "repairs"),
    "education": Choice("education", "education"),
    "retraining": Choice("retraining", "retraining"),
    "business": Choice("a business", "business"),
    "other": Choice("something else", "others"),
}
EMPLOYMENT: Final[Mapping[str, Choice]] = {
    "unemployed": Choice("unemployed", "unemployed"),
    "under_1_year": Choice("employed for under a year", "... < 1 year"),
    "1_to_4_years": Choice("employed for 1 to 4 years", "1 <= ... < 4 years"),
    "4_to_7_years": Choice("employed for 4 to 7 years", "4 <= ... < 7 years"),
    "7_years_or_more": Choice("employed for 7 years or more", "... >= 7 years"),
}
HOUSING: Final[Mapping[str, Choice]] = {
    "own": Choice("you own your home", "own"),
    "rent": Choice("you rent", "rent"),
    "free": Choice("you live rent-free", "for free"),
}
SAVINGS: Final[Mapping[str, Choice]] = {
    "none": Choice("none, or none we know of", "unknown/ no savings account"),
    "under_100": Choice("under 51 EUR (100 DM)", "... < 100 DM"),
    "100_to_500": Choice("51 to 256 EUR (100 to 500 DM)", "100 <= ... < 500 DM"),
    "500_to_1000": Choice("256 to 511 EUR (500 to 1,000 DM)", "500 <= ... < 1000 DM"),
    "1000_or_more": Choice("511 EUR (1,000 DM) or more", "... >= 1000 DM"),
}
CHECKING_ACCOUNTS: Final[Mapping[str, Choice]] = {
    "none": Choice("none", "no checking account"),
    "overdrawn": Choice("overdrawn", "... < 0 DM"),
    "under_200": Choice("under 102 EUR (200 DM)", "0 <= ... < 200 DM"),
    "200_or_more": Choice(
        "102 EUR (200 DM) or more, or salary paid in for a year",
        "... >= 200 DM / salary assignments for at least 1 year",
    ),
}
CREDIT_HISTORIES: Final[Mapping[str, Choice]] = {
    "none_or_all_repaid": Choice(
        "no credits taken, or all paid back on time",
        "no credits taken/ all credits paid back duly",
    ),
    "all_repaid_here": Choice(
        "all credits with us paid back on time", "all credits at this bank paid back duly"
    ),
    "repaying_on_time": Choice(
        "current credits paid back on time so far", "existing credits paid back duly till now"
    ),
    "past_delays": Choice("delays in paying back in the past", "delay in paying off in the past"),
    "critical": Choice(
        "a critical account, or credits at other banks",
        "critical account/ other credits existing (not at this bank)",
    ),
}
OTHER_DEBTORS: Final[Mapping[str, Choice]] = {
    "none": Choice("nobody", "none"),
    "co_applicant": Choice("a co-applicant", "co-applicant"),
    "guarantor": Choice("a guarantor", "guarantor"),
}
MAIN_ASSETS: Final[Mapping[str, Choice]] = {
    "real_estate": Choice("real estate", "real estate"),
    "savings_insurance": Choice(
        "a building-society savings plan or life insurance",
        "building society savings agreement/ life insurance",
    ),
    "car_or_other": Choice(
        "a car or other asset", "car or other, not in attribute Savings account/bonds"
    ),
    "none": Choice("none, or none we know of", "unknown / no property"),
}
OTHER_INSTALLMENT_PLANS: Final[Mapping[str, Choice]] = {
    "none": Choice("none", "none"),
    "bank": Choice("with another bank", "bank"),
    "stores": Choice("with a store", "stores"),
}
JOBS: Final[Mapping[str, Choice]] = {
    "unskilled_non_resident": Choice(
        "unemployed or unskilled, non-resident", "unemployed/ unskilled - non-resident"
    ),
    "unskilled": Choice("unskilled, resident", "unskilled - resident"),
    "skilled": Choice("skilled employee or official", "skilled employee / official"),
    "management": Choice(
        "management, self-employed or highly qualified",
        "management/ self-employed/ highly qualified employee/ officer",
    ),
}
TELEPHONE: Final[Mapping[str, Choice]] = {
    "yes": Choice("yes", "yes, registered under the customers name"),
    "no": Choice("no", "none"),
}


@dataclass(frozen=True)
class Feature:
    """One model input: the application field, its data column, wording and limits.

    Categorical features have `choices`; numeric ones have `low`..`high` (customer units)
    and `scale` (customer units -> data units). `more`/`less` name the applicants on either
    side of the training mean, for reasons ("longer loans default more often in our data").
    Optional features have a `default` (the most common answer in the data) and the sentence
    that states it as an assumption.
    """

    field: str
    column: str
    name: str
    fact: str
    choices: Mapping[str, Choice] | None = None
    low: float = 0
    high: float = 0
    unit: str = ""
    whole: bool = True
    scale: float = 1.0
    more: str = ""
    less: str = ""
    default: str | int | bool | None = None
    assumption: str = ""

    @property
    def categorical(self) -> bool:
        return self.choices is not None


FEATURES: Final[tuple[Feature, ...]] = (
    Feature("amount_eur", "credit_amount", "the loan amount", "The loan is for {value} EUR",
            low=250, high=100_000, unit="euros", whole=False, scale=DM_PER_EUR,
            more="bigger loans", less="smaller loans"),
    Feature("duration_months", "duration_in_month", "the loan duration",
            "The loan runs for {value} months", low=4, high=72, unit="months",
            more="longer loans", less="shorter loans"),
    Feature("purpose", "purpose", "the purpose of the loan", "The loan is for {value}",
            choices=PURPOSES),
    Feature("age", "age_in_years", "your age", "You are {value}", low=18, high=100,
            unit="years", more="older applicants", less="younger applicants"),
    Feature("employment", "present_employment_since", "your employment",
            "Your employment: {value}", choices=EMPLOYMENT),
    Feature("housing", "housing", "your housing", "Your housing: {value}", choices=HOUSING),
    Feature("savings", "savings_account_and_bonds", "your savings", "Your savings: {value}",
            choices=SAVINGS),
    Feature("checking_account", "status_of_existing_checking_account",
            "your checking account with us", "Your checking account with us: {value}",
            choices=CHECKING_ACCOUNTS, default="none",
            assumption="We assumed you have no checking account with us."),
    Feature("credit_history", "credit_history", "your credit history",
            "Your credit history: {value}", choices=CREDIT_HISTORIES,
            default="repaying_on_time",
            assumption="We assumed your current credits are being paid back on time."),
    Feature("installment_rate", "installment_rate_in_percentage_of_disposable_income",
            "the share of your disposable income the repayments take (band 1 to 4)",
            "Your repayments take band {value} of 4 of your disposable income",
            low=1, high=4, more="applicants whose repayments take a bigger share of income",
            less="applicants whose repayments take a smaller share of income", default=3,
            assumption="We assumed the repayments take band 3 of 4 of your disposable income "
                       "(about average)."),
    Feature("other_debtors", "other_debtors_or_guarantors", "who else signs the loan",
            "Others signing the loan: {value}", choices=OTHER_DEBTORS, default="none",
            assumption="We assumed nobody else signs the loan with you."),
    Feature("years_at_address", "present_residence_since", "the years at your address",
            "You have lived at your address for {value} years", low=0, high=100, unit="years",
            more="applicants settled longer at their address",
            less="applicants who moved more recently", default=3,
            assumption="We assumed you have lived at your address for 3 years."),
    Feature("main_asset", "property", "your most valuable asset",
            "Your most valuable asset: {value}", choices=MAIN_ASSETS, default="car_or_other",
            assumption="We assumed your most valuable asset is a car or similar."),
    Feature("other_installment_plans", "other_installment_plans",
            "your instalment plans elsewhere", "Instalment plans elsewhere: {value}",
            choices=OTHER_INSTALLMENT_PLANS, default="none",
            assumption="We assumed you have no instalment plans with other banks or stores."),
    Feature("existing_credits", "number_of_existing_credits_at_this_bank",
            "the number of credits you have with us, this one included",
            "Credits you have with us: {value}", low=1, high=20,
            more="applicants with more credits", less="applicants with fewer credits",
            default=1, assumption="We assumed this is your only credit with us."),
    Feature("job", "job", "your job", "Your job: {value}", choices=JOBS, default="skilled",
            assumption="We assumed you work as a skilled employee or official."),
    Feature("dependents", "number_of_people_being_liable_to_provide_maintenance_for",
            "the number of people you provide for", "People you provide for: {value}",
            low=0, high=20, more="applicants who provide for more people",
            less="applicants who provide for fewer people", default=1,
            assumption="We assumed you provide for one person."),
    Feature("telephone", "telephone", "whether a telephone is registered in your name",
            "Telephone registered in your name: {value}", choices=TELEPHONE, default=False,
            assumption="We assumed you have no telephone registered in your name."),
)
FEATURES_BY_FIELD: Final[Mapping[str, Feature]] = {f.field: f for f in FEATURES}
FEATURE_COLUMNS: Final[tuple[str, ...]] = tuple(f.column for f in FEATURES)
CATEGORICAL_COLUMNS: Final[tuple[str, ...]] = tuple(f.column for f in FEATURES if f.categorical)
NUMERIC_COLUMNS: Final[tuple[str, ...]] = tuple(f.column for f in FEATURES if not f.categorical)


# --- Errors --------------------------------------------------------------------------------


class InvalidLoanApplication(InvalidAnswer):
    """An application field outside the allowed values; the message is for the customer."""


class ToolError(TellerError):
    """A tool's backing service failed or answered nonsense; the message names the service."""

    http_status = 502


# --- The application -----------------------------------------------------------------------


def _number_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _choices_text(choices: Mapping[str, Choice]) -> str:
    return "; ".join(f'"{choice.label}" ({key})' for key, choice in choices.items())


def _check(feature: Feature, value: object) -> None:
    if feature.field == "telephone":
        if not isinstance(value, bool):
            raise InvalidLoanApplication(
                feature.field, f"Please answer {feature.name} with true or false."
            )
        return
    if feature.choices is not None:
        if not isinstance(value, str) or value not in feature.choices:
            raise InvalidLoanApplication(
                feature.field, f"Please choose {feature.name} from: "
                f"{_choices_text(feature.choices)} (you gave {value!r})."
            )
        return
    number: float | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, float) and not feature.whole:
        number = value
    if number is None or not math.isfinite(number) or not feature.low <= number <= feature.high:
        kind = "a whole number" if feature.whole else "a number"
        raise InvalidLoanApplication(
            feature.field, f"Please give {feature.name} as {kind} from "
            f"{_number_text(feature.low)} to {_number_text(feature.high)} {feature.unit} "
            f"(you gave {value!r})."
        )


class LoanApplicationPayload(TypedDict):
    """The JSON body of a loan application (`LoanApplication.to_dict`)."""

    amount_eur: float
    duration_months: int
    purpose: str
    age: int
    employment: str
    housing: str
    savings: str
    checking_account: NotRequired[str | None]
    credit_history: NotRequired[str | None]
    installment_rate: NotRequired[int | None]
    other_debtors: NotRequired[str | None]
    years_at_address: NotRequired[int | None]
    main_asset: NotRequired[str | None]
    other_installment_plans: NotRequired[str | None]
    existing_credits: NotRequired[int | None]
    job: NotRequired[str | None]
    dependents: NotRequired[int | None]
    telephone: NotRequired[bool | None]


@dataclass(frozen=True)
class LoanApplication:
    """What a customer tells us. Choice fields hold keys of the module's choice maps
    (`PURPOSES`, `EMPLOYMENT`, ...); `None` in an optional field means "not asked", and
    the assessment states the default it took (see `FEATURES`)."""

    amount_eur: float
    duration_months: int
    purpose: str
    age: int
    employment: str
    housing: str
    savings: str
    checking_account: str | None = None
    credit_history: str | None = None
    installment_rate: int | None = None
    other_debtors: str | None = None
    years_at_address: int | None = None
    main_asset: str | None = None
    other_installment_plans: str | None = None
    existing_credits: int | None = None
    job: str | None = None
    dependents: int | None = None
    telephone: bool | None = None

    def __post_init__(self) -> None:
        for feature in FEATURES:
            value = getattr(self, feature.field)
            if value is None and feature.default is not None:
                continue
            _check(feature, value)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> LoanApplication:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidLoanApplication(unknown[0], f"We don't know the field {unknown[0]!r}.")
        for feature in FEATURES:
            if feature.default is None and feature.field not in data:
                raise InvalidLoanApplication(feature.field, f"Please give {feature.name}.")
        values: dict[str, Any] = dict(data)  # __post_init__ checks every value
        return cls(**values)

    def to_dict(self) -> LoanApplicationPayload:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[return-value]

    def answer(self, feature: Feature) -> str | float | bool:
        """The customer's answer to `feature`, or its default when they gave none."""
        value = getattr(self, feature.field)
        if value is None:
            assert feature.default is not None
            return feature.default
        return value

    def assumptions(self) -> list[str]:
        return [f.assumption for f in FEATURES if getattr(self, f.field) is None]

    def data_record(self) -> dict[str, str | float]:
        """The application in the data's terms: column name -> category string or number."""
        record: dict[str, str | float] = {}
        for feature in FEATURES:
            answer = self.answer(feature)
            if feature.choices is not None:
                key = ("yes" if answer else "no") if isinstance(answer, bool) else str(answer)
                record[feature.column] = feature.choices[key].data_value
            else:
                record[feature.column] = float(answer) * feature.scale
        return record


# --- The assessment ------------------------------------------------------------------------


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


# --- The reference model's input encoding and network ------------------------------------


@dataclass(frozen=True)
class NumericScale:
    """How one numeric column is standardised, and its default rates either side of the mean.

    Values are clipped to the training range [low, high] first: beyond the data the model
    treats a value like the most extreme one it has seen (as a scorecard's open-ended bin).
    """

    mean: float
    std: float
    low: float
    high: float
    default_rate_above_mean: float
    default_rate_at_or_below_mean: float


@dataclass(frozen=True)
class FeatureEncoding:
    """One-hot categoricals (in `categories` order) then standardised numerics.

    Fitted on training rows only (`training.credit_risk.fit_encoding`); categories unseen in
    training encode as all zeros. `default_rates` (per category) and the numeric rates feed
    the plain-language reasons.
    """

    categories: Mapping[str, tuple[str, ...]]
    numeric: Mapping[str, NumericScale]
    modes: Mapping[str, str]
    default_rates: Mapping[str, Mapping[str, float]]
    overall_default_rate: float

    @property
    def width(self) -> int:
        return sum(len(c) for c in self.categories.values()) + len(self.numeric)

    def groups(self) -> dict[str, slice]:
        """Input columns of each source feature."""
        spans: dict[str, slice] = {}
        start = 0
        for column, values in self.categories.items():
            spans[column] = slice(start, start + len(values))
            start += len(values)
        for column in self.numeric:
            spans[column] = slice(start, start + 1)
            start += 1
        return spans

    def encode(self, records: Sequence[Record]) -> np.ndarray:
        out = np.zeros((len(records), self.width), dtype=np.float32)
        spans = self.groups()
        for column, values in self.categories.items():
            index = {value: spans[column].start + i for i, value in enumerate(values)}
            for row, record in enumerate(records):
                position = index.get(str(record[column]))
                if position is not None:
                    out[row, position] = 1.0
        for column, scale in self.numeric.items():
            raw = np.array([float(record[column]) for record in records])
            out[:, spans[column].start] = (np.clip(raw, scale.low, scale.high) - scale.mean) \
                / scale.std
        return out

    def baseline(self) -> np.ndarray:
        """The typical applicant: every categorical at its mode, every numeric at its mean."""
        record: dict[str, str | float] = dict(self.modes)
        record.update({column: scale.mean for column, scale in self.numeric.items()})
        return self.encode([record])[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "categories": {k: list(v) for k, v in self.categories.items()},
            "numeric": {k: vars(v) for k, v in self.numeric.items()},
            "modes": dict(self.modes),
            "default_rates": {k: dict(v) for k, v in self.default_rates.items()},
            "overall_default_rate": self.overall_default_rate,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeatureEncoding:
        return cls(
            categories={k: tuple(v) for k, v in data["categories"].items()},
            numeric={k: NumericScale(**v) for k, v in data["numeric"].items()},
            modes=dict(data["modes"]),
            default_rates={k: dict(v) for k, v in data["default_rates"].items()},
            overall_default_rate=float(data["overall_default_rate"]),
        )


class MemberEnsemble(nn.Module):
    """`members` small MLPs, each with a linear skip, evaluated in one batched product.

    logit_m(x) = w_m . x + b_m + v_m . dropout(relu(W_m dropout(x) + c_m))

    `forward` takes one input batch [B, n] shared by all members, or one per member
    [members, B, n] (training), and returns logits [members, B].
    """

    def __init__(self, members: int, inputs: int, hidden: int, input_dropout: float,
                 hidden_dropout: float) -> None:
        super().__init__()
        self.members = members
        self.hidden_weight = nn.Parameter(
            torch.randn(members, inputs, hidden) * (2 / inputs) ** 0.5
        )
        self.hidden_bias = nn.Parameter(torch.zeros(members, 1, hidden))
        self.output_weight = nn.Parameter(torch.randn(members, hidden, 1) * 0.1 / hidden ** 0.5)
        self.skip_weight = nn.Parameter(torch.zeros(members, inputs, 1))
        self.bias = nn.Parameter(torch.zeros(members, 1, 1))
        self.input_dropout = nn.Dropout(input_dropout)
        self.hidden_dropout = nn.Dropout(hidden_dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            x = x.expand(self.members, -1, -1)
        hidden = torch.relu(torch.bmm(self.input_dropout(x), self.hidden_weight) + self.hidden_bias)
        out = torch.bmm(self.hidden_dropout(hidden), self.output_weight) \
            + torch.bmm(x, self.skip_weight) + self.bias
        return out.squeeze(-1)


class CalibratedLogOdds(nn.Module):
    """Mean member logit through Platt scaling: calibrated log-odds of default, shape [B]."""

    def __init__(self, ensemble: MemberEnsemble, slope: float, intercept: float) -> None:
        super().__init__()
        self.ensemble = ensemble
        self.slope = slope
        self.intercept = intercept

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.slope * self.ensemble(x).mean(0) + self.intercept


# --- Reasons -------------------------------------------------------------------------------


def _answer_text(feature: Feature, answer: str | float | bool) -> str:
    if feature.choices is not None:
        key = ("yes" if answer else "no") if isinstance(answer, bool) else str(answer)
        return feature.choices[key].label
    return _number_text(float(answer))


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


# --- Reference model -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Loaded:
    network: CalibratedLogOdds
    encoding: FeatureEncoding
    baseline: torch.Tensor
    name: str


def read_credit_manifest(folder: Path) -> dict[str, Any]:
    hint = "run `python -m training.credit_risk` or use the 'reference' model spec"
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelNotReady(f"no credit-risk model in {folder}; {hint}") from exc
    except (OSError, ValueError) as exc:
        raise ModelNotReady(f"cannot read {path} ({exc}); {hint}") from exc
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise ModelNotReady(f"{folder} does not hold a '{KIND}' credit-risk model; {hint}")
    return manifest


def _load(folder: Path) -> _Loaded:
    from safetensors.torch import load_file

    manifest = read_credit_manifest(folder)
    try:
        encoding = FeatureEncoding.from_json(manifest["preprocessing"])
        arch = manifest["architecture"]
        ensemble = MemberEnsemble(int(arch["members"]), encoding.width, int(arch["hidden"]),
                                  float(arch["input_dropout"]), float(arch["hidden_dropout"]))
        ensemble.load_state_dict(load_file(str(folder / WEIGHTS_FILE)))
        calibration = manifest["calibration"]
        network = CalibratedLogOdds(ensemble, float(calibration["slope"]),
                                    float(calibration["intercept"]))
    except (OSError, KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelNotReady(
            f"credit-risk model in {folder} is incomplete ({exc!r}); delete the folder and "
            "train it again"
        ) from exc
    network.eval()
    baseline = torch.from_numpy(encoding.baseline()).unsqueeze(0)
    name = f"{KIND} (German Credit, sha256 {str(manifest['data']['sha256'])[:12]})"
    return _Loaded(network, encoding, baseline, name)


class ReferenceCreditRiskModel:
    """Teller's reference model: a calibrated MLP ensemble with integrated-gradient reasons.

    The folder is read once, on first use (`warm_up`), under a lock. With
    `train_if_missing`, a missing folder is trained on first use (a few seconds).
    """

    def __init__(self, folder: Path, thresholds: DecisionThresholds | None = None, *,
                 train_if_missing: bool = False, ig_steps: int = 64) -> None:
        self.folder = Path(folder)
        self.thresholds = thresholds or DecisionThresholds()
        self.train_if_missing = train_if_missing
        self.ig_steps = ig_steps
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        if self._loaded is not None:
            return
        with self._lock:
            if self._loaded is not None:
                return
            if self.train_if_missing and not (self.folder / "manifest.json").is_file():
                from training.credit_risk import train_credit_risk_model

                logger.info("no credit-risk model in %s; training the reference model",
                            self.folder)
                report = train_credit_risk_model(self.folder)
                logger.info("trained the credit-risk model in %.1f s (out-of-fold AUC %.3f)",
                            report.seconds, report.out_of_fold_auc)
            self._loaded = _load(self.folder)

    def _state(self) -> _Loaded:
        self.warm_up()
        assert self._loaded is not None
        return self._loaded

    def probabilities(self, records: Sequence[Record]) -> np.ndarray:
        """Calibrated probabilities of default for rows in the data's terms
        (`LoanApplication.data_record`, or the training data's rows)."""
        state = self._state()
        x = torch.from_numpy(state.encoding.encode(records))
        with torch.inference_mode():
            return torch.sigmoid(state.network(x)).numpy().astype(np.float64)

    def probability_of_default(self, application: LoanApplication) -> float:
        return float(self.probabilities([application.data_record()])[0])

    def contributions(self, application: LoanApplication) -> dict[str, float]:
        """Integrated-gradient attribution per application field, in log-odds of default."""
        from captum.attr import IntegratedGradients

        state = self._state()
        x = torch.from_numpy(state.encoding.encode([application.data_record()]))
        with torch.enable_grad():
            attributions = IntegratedGradients(state.network).attribute(
                x, baselines=state.baseline, n_steps=self.ig_steps
            )
        values = attributions[0].detach().numpy()
        spans = state.encoding.groups()
        return {f.field: float(values[spans[f.column]].sum()) for f in FEATURES}

    def assess(self, application: LoanApplication) -> CreditAssessment:
        state = self._state()
        probability = self.probability_of_default(application)
        band = self.thresholds.band(probability)
        ranked = sorted(self.contributions(application).items(), key=lambda kv: -kv[1])
        top = ranked[:REASON_COUNT]
        if band == "approve":
            top = [(field, c) for field, c in top if c > 0]
        record = application.data_record()
        reasons = []
        for field, contribution in top:
            feature = FEATURES_BY_FIELD[field]
            text = reason_text(feature, application.answer(feature), record[feature.column],
                               contribution, state.encoding)
            reasons.append(CreditReason(field, text, contribution))
        assumptions = application.assumptions() + range_notes(application, state.encoding)
        return CreditAssessment(probability, band, reasons, assumptions, state.name)


# --- HTTP plug-in --------------------------------------------------------------------------


def _safe_url(url: str) -> str:
    """The URL without credentials or query string, fit for messages and logs."""
    parsed = httpx.URL(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}{parsed.path}"


class HttpCreditRiskModel:
    """A bank's own model behind an HTTP endpoint: POST the application JSON
    (`LoanApplicationPayload`), read a `CreditAssessmentPayload` back."""

    def __init__(self, url: str, timeout_seconds: float = 5.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigurationError(f"credit-risk service URL must start with http(s)://: "
                                     f"{url!r}")
        if timeout_seconds <= 0:
            raise ConfigurationError("credit-risk service timeout must be positive")
        self.url = url
        self.timeout_seconds = timeout_seconds

    def assess(self, application: LoanApplication) -> CreditAssessment:
        where = _safe_url(self.url)
        try:
            response = httpx.post(self.url, json=application.to_dict(),
                                  timeout=self.timeout_seconds)
        except httpx.TimeoutException as exc:
            raise ToolError(f"credit-risk service {where} did not answer within "
                            f"{self.timeout_seconds:g} s") from exc
        except httpx.HTTPError as exc:
            raise ToolError(f"cannot reach credit-risk service {where}: "
                            f"{type(exc).__name__}") from exc
        if response.status_code != 200:
            raise ToolError(f"credit-risk service {where} answered HTTP {response.status_code}")
        try:
            return CreditAssessment.from_dict(response.json())
        except ValueError as exc:  # includes JSON decoding errors
            raise ToolError(f"credit-risk service {where} sent an invalid assessment: {exc}") \
                from exc


# --- Loading by spec -----------------------------------------------------------------------


def _load_class(spec: str) -> CreditRiskModel:
    module_name, _, class_name = spec.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"cannot load credit-risk model {spec!r}: {exc}") from exc
    try:
        model = cls()
    except Exception as exc:
        raise ConfigurationError(
            f"credit-risk model {spec!r} could not be created without arguments: {exc!r}"
        ) from exc
    if not isinstance(model, CreditRiskModel) or not callable(model.assess):
        raise ConfigurationError(f"credit-risk model {spec!r} has no assess(application) method")
    return model


def load_credit_risk_model(spec: str, model_dir: Path,
                           thresholds: DecisionThresholds) -> CreditRiskModel:
    """"reference" (Teller's model in `model_dir`, trained there on first use if missing),
    "package.module:ClassName" (created with no arguments) or an http(s) URL."""
    if spec == "reference":
        return ReferenceCreditRiskModel(model_dir, thresholds, train_if_missing=True)
    if spec.startswith(("http://", "https://")):
        return HttpCreditRiskModel(spec)
    module_name, colon, class_name = spec.partition(":")
    if colon and module_name and class_name:
        return _load_class(spec)
    raise ConfigurationError(
        f"unknown credit-risk model {spec!r}; use 'reference', 'package.module:ClassName' "
        "or an http(s) URL"
    )
