"""The credit-risk tool's published schema: allowed answers, model features and limits.

Cheap to import (no torch, no numpy): the knowledge-base loader reads `FORM_INPUT` to check
the loan form, and `LoanApplication` validates against the same constants, so each limit
lives here only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from bot.tools.inputs import Choice, InputField, ToolInput

ACTION: Final = "action_assess_credit_risk"
DM_PER_EUR: Final = 1.95583

# What the chat's loan form accepts, and so what the tool accepts (`LoanApplication`).
AMOUNT_MIN_EUR: Final = 1_000
AMOUNT_MAX_EUR: Final = 50_000
DURATION_MIN_MONTHS: Final = 12
DURATION_MAX_MONTHS: Final = 72
AGE_MIN: Final = 18
AGE_MAX: Final = 100
# The form asks for years with the employer (-1 = unemployed) and savings in euros; the
# action turns them into the model's bands (`bot.actions.credit_risk`).
UNEMPLOYED_YEARS: Final = -1
EMPLOYMENT_YEARS_MAX: Final = 60
SAVINGS_MAX_EUR: Final = 100_000_000


# --- Allowed answers ---------------------------------------------------------------------


@dataclass(frozen=True)
class DataChoice(Choice):
    """An allowed answer and the category string it stands for in the training data."""

    data_value: str


PURPOSES: Final[Mapping[str, DataChoice]] = {
    "new_car": DataChoice("a new car", "car (new)"),
    "used_car": DataChoice("a used car", "car (used)"),
    "furniture": DataChoice("furniture or equipment", "furniture/equipment"),
    "radio_tv": DataChoice("a radio or television", "radio/television"),
    "appliances": DataChoice("domestic appliances", "domestic appliances"),
    "repairs": DataChoice("repairs", "repairs"),
    "education": DataChoice("education", "education"),
    "retraining": DataChoice("retraining", "retraining"),
    "business": DataChoice("a business", "business"),
    "other": DataChoice("something else", "others"),
}
EMPLOYMENT: Final[Mapping[str, DataChoice]] = {
    "unemployed": DataChoice("unemployed", "unemployed"),
    "under_1_year": DataChoice("employed for under a year", "... < 1 year"),
    "1_to_4_years": DataChoice("employed for 1 to 4 years", "1 <= ... < 4 years"),
    "4_to_7_years": DataChoice("employed for 4 to 7 years", "4 <= ... < 7 years"),
    "7_years_or_more": DataChoice("employed for 7 years or more", "... >= 7 years"),
}
HOUSING: Final[Mapping[str, DataChoice]] = {
    "own": DataChoice("you own your home", "own"),
    "rent": DataChoice("you rent", "rent"),
    "free": DataChoice("you live rent-free", "for free"),
}
SAVINGS: Final[Mapping[str, DataChoice]] = {
    "none": DataChoice("none, or none we know of", "unknown/ no savings account"),
    "under_100": DataChoice("under 51 EUR (100 DM)", "... < 100 DM"),
    "100_to_500": DataChoice("51 to 256 EUR (100 to 500 DM)", "100 <= ... < 500 DM"),
    "500_to_1000": DataChoice("256 to 511 EUR (500 to 1,000 DM)", "500 <= ... < 1000 DM"),
    "1000_or_more": DataChoice("511 EUR (1,000 DM) or more", "... >= 1000 DM"),
}
CHECKING_ACCOUNTS: Final[Mapping[str, DataChoice]] = {
    "none": DataChoice("none", "no checking account"),
    "overdrawn": DataChoice("overdrawn", "... < 0 DM"),
    "under_200": DataChoice("under 102 EUR (200 DM)", "0 <= ... < 200 DM"),
    "200_or_more": DataChoice(
        "102 EUR (200 DM) or more, or salary paid in for a year",
        "... >= 200 DM / salary assignments for at least 1 year",
    ),
}
CREDIT_HISTORIES: Final[Mapping[str, DataChoice]] = {
    "none_or_all_repaid": DataChoice(
        "no credits taken, or all paid back on time",
        "no credits taken/ all credits paid back duly",
    ),
    "all_repaid_here": DataChoice(
        "all credits with us paid back on time", "all credits at this bank paid back duly"
    ),
    "repaying_on_time": DataChoice(
        "current credits paid back on time so far", "existing credits paid back duly till now"
    ),
    "past_delays": DataChoice("delays in paying back in the past",
                              "delay in paying off in the past"),
    "critical": DataChoice(
        "a critical account, or credits at other banks",
        "critical account/ other credits existing (not at this bank)",
    ),
}
OTHER_DEBTORS: Final[Mapping[str, DataChoice]] = {
    "none": DataChoice("nobody", "none"),
    "co_applicant": DataChoice("a co-applicant", "co-applicant"),
    "guarantor": DataChoice("a guarantor", "guarantor"),
}
MAIN_ASSETS: Final[Mapping[str, DataChoice]] = {
    "real_estate": DataChoice("real estate", "real estate"),
    "savings_insurance": DataChoice(
        "a building-society savings plan or life insurance",
        "building society savings agreement/ life insurance",
    ),
    "car_or_other": DataChoice(
        "a car or other asset", "car or other, not in attribute Savings account/bonds"
    ),
    "none": DataChoice("none, or none we know of", "unknown / no property"),
}
OTHER_INSTALLMENT_PLANS: Final[Mapping[str, DataChoice]] = {
    "none": DataChoice("none", "none"),
    "bank": DataChoice("with another bank", "bank"),
    "stores": DataChoice("with a store", "stores"),
}
JOBS: Final[Mapping[str, DataChoice]] = {
    "unskilled_non_resident": DataChoice(
        "unemployed or unskilled, non-resident", "unemployed/ unskilled - non-resident"
    ),
    "unskilled": DataChoice("unskilled, resident", "unskilled - resident"),
    "skilled": DataChoice("skilled employee or official", "skilled employee / official"),
    "management": DataChoice(
        "management, self-employed or highly qualified",
        "management/ self-employed/ highly qualified employee/ officer",
    ),
}
TELEPHONE: Final[Mapping[str, DataChoice]] = {
    "yes": DataChoice("yes", "yes, registered under the customers name"),
    "no": DataChoice("no", "none"),
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
    choices: Mapping[str, DataChoice] | None = None
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
            low=AMOUNT_MIN_EUR, high=AMOUNT_MAX_EUR, unit="euros", whole=False, scale=DM_PER_EUR,
            more="bigger loans", less="smaller loans"),
    Feature("duration_months", "duration_in_month", "the loan duration",
            "The loan runs for {value} months", low=DURATION_MIN_MONTHS,
            high=DURATION_MAX_MONTHS, unit="months",
            more="longer loans", less="shorter loans"),
    Feature("purpose", "purpose", "the purpose of the loan", "The loan is for {value}",
            choices=PURPOSES),
    Feature("age", "age_in_years", "your age", "You are {value}", low=AGE_MIN, high=AGE_MAX,
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


# --- The loan form's input -----------------------------------------------------------------

FORM_INPUT: Final = ToolInput(ACTION, "credit_risk", (
    InputField("amount", "money", "the loan amount", unit="EUR", min=AMOUNT_MIN_EUR,
               max=AMOUNT_MAX_EUR),
    InputField("duration_months", "duration", "the loan duration", unit="months",
               min=DURATION_MIN_MONTHS, max=DURATION_MAX_MONTHS),
    InputField("purpose", "choice", "the purpose of the loan", choices=PURPOSES),
    InputField("age", "age", "the applicant's age", min=AGE_MIN, max=AGE_MAX),
    InputField("employment_years", "duration", "years with the current employer (-1 = "
               "unemployed)", unit="years", min=UNEMPLOYED_YEARS, max=EMPLOYMENT_YEARS_MAX),
    InputField("housing", "choice", "whether the applicant owns, rents or lives rent-free",
               choices=HOUSING),
    InputField("savings", "money", "the applicant's savings", unit="EUR", min=0,
               max=SAVINGS_MAX_EUR),
))
"""The slots `action_assess_credit_risk` reads; the knowledge base's loan form must have
them, and may restate a unit, limit or choice only if it is equal."""
