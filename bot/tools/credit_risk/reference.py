"""Teller's reference credit-risk model: a calibrated MLP ensemble with integrated-gradient
reasons, read from a model folder that `training.credit_risk` writes.

The runtime never trains: a missing folder is a `ModelNotReady` that says how to build it
(`teller train`, or `teller serve`, whose prepare step trains it in a few seconds).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import torch

from bot.errors import ModelNotReady
from bot.tools.credit_risk.application import LoanApplication
from bot.tools.credit_risk.assessment import (
    REASON_COUNT,
    CreditAssessment,
    CreditReason,
    DecisionThresholds,
)
from bot.tools.credit_risk.encoding import FeatureEncoding, Record
from bot.tools.credit_risk.explain import range_notes, reason_text
from bot.tools.credit_risk.network import CalibratedLogOdds, MemberEnsemble
from bot.tools.credit_risk.schema import FEATURES, FEATURES_BY_FIELD
from bot.tools.plugins import LoadOnce

KIND: Final = "credit-risk-mlp-v1"
WEIGHTS_FILE: Final = "weights.safetensors"
BUILD_HINT: Final = ("run `teller train`, or start with `teller serve`, which builds it "
                     "(`python -m training.credit_risk FOLDER` trains it alone)")


@dataclass(frozen=True)
class _Loaded:
    network: CalibratedLogOdds
    encoding: FeatureEncoding
    baseline: torch.Tensor
    name: str


def read_credit_manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelNotReady(f"no credit-risk model in {folder}: {BUILD_HINT}") from exc
    except (OSError, ValueError) as exc:
        raise ModelNotReady(f"cannot read {path} ({exc}); {BUILD_HINT}") from exc
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise ModelNotReady(f"{folder} does not hold a '{KIND}' credit-risk model; "
                            f"{BUILD_HINT}")
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
    """Teller's reference model. The folder is read once, on first use (`warm_up`), under a
    lock; a folder that is missing raises `ModelNotReady` (and is tried again next time)."""

    def __init__(self, folder: Path, thresholds: DecisionThresholds | None = None, *,
                 ig_steps: int = 64) -> None:
        self.folder = Path(folder)
        self.thresholds = thresholds or DecisionThresholds()
        self.ig_steps = ig_steps
        self._state = LoadOnce(lambda: _load(self.folder))

    def warm_up(self) -> None:
        self._state.get()

    def probabilities(self, records: Sequence[Record]) -> np.ndarray:
        """Calibrated probabilities of default for rows in the data's terms
        (`LoanApplication.data_record`, or the training data's rows)."""
        state = self._state.get()
        x = torch.from_numpy(state.encoding.encode(records))
        with torch.inference_mode():
            return torch.sigmoid(state.network(x)).numpy().astype(np.float64)

    def probability_of_default(self, application: LoanApplication) -> float:
        return float(self.probabilities([application.data_record()])[0])

    def contributions(self, application: LoanApplication) -> dict[str, float]:
        """Integrated-gradient attribution per application field, in log-odds of default."""
        from captum.attr import IntegratedGradients

        state = self._state.get()
        x = torch.from_numpy(state.encoding.encode([application.data_record()]))
        with torch.enable_grad():
            attributions = IntegratedGradients(state.network).attribute(
                x, baselines=state.baseline, n_steps=self.ig_steps
            )
        values = attributions[0].detach().numpy()
        spans = state.encoding.groups()
        return {f.field: float(values[spans[f.column]].sum()) for f in FEATURES}

    def assess(self, application: LoanApplication) -> CreditAssessment:
        state = self._state.get()
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
