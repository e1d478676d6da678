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

Modules, each with one job: `schema` (allowed answers, features, limits and the published
`FORM_INPUT`; no torch, cheap to import), `application` (`LoanApplication` and its checks),
`assessment` (the result, decision bands, the `CreditRiskModel` protocol), `encoding` and
`network` (the reference model's input encoding and torch network), `explain` (reason
texts), `reference` (the reference model), `http` (the HTTP plug-in), `loading` (by spec).
Importing this package loads only the first three; the others load on first use of a name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.tools.credit_risk.application import (
    InvalidLoanApplication,
    LoanApplication,
    LoanApplicationPayload,
)
from bot.tools.credit_risk.assessment import (
    BANDS,
    REASON_COUNT,
    Band,
    CreditAssessment,
    CreditAssessmentPayload,
    CreditReason,
    CreditReasonPayload,
    CreditRiskModel,
    DecisionThresholds,
)
from bot.tools.credit_risk.schema import (
    ACTION,
    CATEGORICAL_COLUMNS,
    CHECKING_ACCOUNTS,
    CREDIT_HISTORIES,
    DM_PER_EUR,
    EMPLOYMENT,
    FEATURE_COLUMNS,
    FEATURES,
    FEATURES_BY_FIELD,
    FORM_INPUT,
    HOUSING,
    JOBS,
    MAIN_ASSETS,
    NUMERIC_COLUMNS,
    OTHER_DEBTORS,
    OTHER_INSTALLMENT_PLANS,
    PURPOSES,
    SAVINGS,
    TELEPHONE,
    DataChoice,
    Feature,
)
from bot.tools.plugins import lazy_export

if TYPE_CHECKING:
    from bot.tools.credit_risk.encoding import (
        DEFAULT_LABEL,
        TARGET_COLUMN,
        FeatureEncoding,
        NumericScale,
        Record,
    )
    from bot.tools.credit_risk.http import HttpCreditRiskModel
    from bot.tools.credit_risk.loading import load_credit_risk_model
    from bot.tools.credit_risk.network import CalibratedLogOdds, MemberEnsemble
    from bot.tools.credit_risk.reference import (
        KIND,
        WEIGHTS_FILE,
        ReferenceCreditRiskModel,
        read_credit_manifest,
    )
    from bot.tools.plugins import ToolError

_LAZY = {
    "DEFAULT_LABEL": "encoding", "TARGET_COLUMN": "encoding", "FeatureEncoding": "encoding",
    "NumericScale": "encoding", "Record": "encoding",
    "HttpCreditRiskModel": "http",
    "load_credit_risk_model": "loading",
    "CalibratedLogOdds": "network", "MemberEnsemble": "network",
    "KIND": "reference", "WEIGHTS_FILE": "reference", "ReferenceCreditRiskModel": "reference",
    "read_credit_manifest": "reference",
}


def __getattr__(name: str) -> Any:
    """The heavy names (numpy, torch, httpx), imported on first use."""
    if name == "ToolError":
        from bot.tools.plugins import ToolError

        return ToolError
    return lazy_export(__name__, _LAZY, name)


__all__ = [
    "ACTION",
    "BANDS",
    "CATEGORICAL_COLUMNS",
    "CHECKING_ACCOUNTS",
    "CREDIT_HISTORIES",
    "DEFAULT_LABEL",
    "DM_PER_EUR",
    "EMPLOYMENT",
    "FEATURES",
    "FEATURES_BY_FIELD",
    "FEATURE_COLUMNS",
    "FORM_INPUT",
    "HOUSING",
    "JOBS",
    "KIND",
    "MAIN_ASSETS",
    "NUMERIC_COLUMNS",
    "OTHER_DEBTORS",
    "OTHER_INSTALLMENT_PLANS",
    "PURPOSES",
    "REASON_COUNT",
    "SAVINGS",
    "TARGET_COLUMN",
    "TELEPHONE",
    "WEIGHTS_FILE",
    "Band",
    "CalibratedLogOdds",
    "CreditAssessment",
    "CreditAssessmentPayload",
    "CreditReason",
    "CreditReasonPayload",
    "CreditRiskModel",
    "DataChoice",
    "DecisionThresholds",
    "Feature",
    "FeatureEncoding",
    "HttpCreditRiskModel",
    "InvalidLoanApplication",
    "LoanApplication",
    "LoanApplicationPayload",
    "MemberEnsemble",
    "NumericScale",
    "Record",
    "ReferenceCreditRiskModel",
    "ToolError",
    "load_credit_risk_model",
    "read_credit_manifest",
]
