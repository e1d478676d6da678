"""A loan application: the customer's answers, checked against the tool's schema.

`LoanApplication` is the credit-risk tool's input, in Python and as JSON
(`LoanApplicationPayload`, which an HTTP plug-in receives).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, NotRequired, TypedDict

from bot.errors import InvalidAnswer
from bot.tools.credit_risk.schema import FEATURES, Feature
from bot.tools.inputs import choices_text


class InvalidLoanApplication(InvalidAnswer):
    """An application field outside the allowed values; the message is for the customer."""


def number_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


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
                f"{choices_text(feature.choices, with_keys=True)} (you gave {value!r})."
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
            f"{number_text(feature.low)} to {number_text(feature.high)} {feature.unit} "
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
    """What a customer tells us. Choice fields hold keys of the schema's choice maps
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
