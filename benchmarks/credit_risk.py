"""German Credit benchmark of the reference credit-risk model, with its baselines in the same run.

- ROC-AUC over 5x5 repeated stratified CV (the same folds for every model; each fold's
  encoding, early stopping and calibration fitted on its training rows only) of the torch
  MLP ensemble, logistic regression (inner-CV regularisation, same one-hot features) and
  LightGBM (fixed, untuned small-data settings, same features);
- Brier score, log loss, expected calibration error, calibration slope/intercept and a
  reliability table of the pooled out-of-fold probabilities;
- the time to train the shipped model on all 1,000 rows, and the latency of one assessment
  (probability plus integrated-gradient reasons).

Everything runs on one CPU thread. About 3 minutes on a busy 2-core machine.

    python benchmarks/credit_risk.py [--out benchmarks/results] [--repeats 5]
        [--random-state 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NAMES = {"mlp": "torch MLP ensemble", "logistic_regression": "logistic regression",
         "lightgbm": "LightGBM"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def assessment_latency(folder: Path, runs: int = 50) -> dict[str, float]:
    from bot.tools.credit_risk import LoanApplication, ReferenceCreditRiskModel

    model = ReferenceCreditRiskModel(folder)
    model.warm_up()
    model.assess(LoanApplication(3000, 24, "new_car", 30, "1_to_4_years", "rent", "under_100"))
    times = []
    for i in range(runs):
        application = LoanApplication(1000 + 100 * i, 12 + i, "used_car", 25 + i // 2,
                                      "4_to_7_years", "own", "100_to_500")
        started = time.perf_counter()
        model.assess(application)
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99)}


def print_tables(cv: dict[str, Any], training: dict[str, Any], latency: dict[str, float]) -> None:
    print(f"\n{cv['n_repeats']}x{cv['n_splits']} repeated stratified CV, German Credit "
          f"({cv['rows']} rows), random_state={cv['random_state']}")
    print(f"{'model':<22}{'ROC-AUC':>16}{'Brier':>8}{'ECE':>7}{'slope':>7}{'icpt':>7}"
          f"{'fit s':>8}")
    for key, scores in cv["scores"].items():
        cal = cv["calibration"][key]
        print(f"{NAMES.get(key, key):<22}{scores['auc_mean']:>9.3f} ± {scores['auc_std']:.3f}"
              f"{cal['brier']:>8.3f}{cal['expected_calibration_error']:>7.3f}"
              f"{cal['slope']:>7.2f}{cal['intercept']:>7.2f}{scores['seconds']:>8.1f}")
    mlp = cv["calibration"].get("mlp")
    if mlp:
        print(f"\nBrier of always predicting the base rate: {mlp['brier_of_base_rate']:.3f}")
        print("torch MLP reliability (pooled out-of-fold):")
        print(f"{'predicted PD':>14}{'rows':>7}{'mean PD':>9}{'observed':>10}")
        for row in mlp["bins"]:
            print(f"{row['low']:>6.1f} - {row['high']:.1f}{row['count']:>7}"
                  f"{row['mean_predicted']:>9.3f}{row['observed_rate']:>10.3f}")
    print(f"\ntrain shipped model (1,000 rows, 1 thread): {training['seconds']:.1f} s, "
          f"out-of-fold AUC {training['out_of_fold_auc']:.3f}, epochs {training['best_epochs']}")
    print(f"assess (PD + reasons): p50 {latency['p50_ms']:.0f} ms, p99 {latency['p99_ms']:.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--random-state", type=int, default=1)
    args = parser.parse_args()

    import torch

    from training.credit_risk import cross_validate, train_credit_risk_model

    torch.set_num_threads(1)
    started = time.perf_counter()
    cv = asdict(cross_validate(n_splits=args.splits, n_repeats=args.repeats,
                               random_state=args.random_state, show_progress=True))
    with tempfile.TemporaryDirectory() as tmp:
        report = train_credit_risk_model(Path(tmp) / "credit-risk")
        training = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(report).items()}
        latency = assessment_latency(report.folder)
    training.pop("folder")
    results = {
        "benchmark": "credit_risk", "cross_validation": cv, "training": training,
        "assessment_latency": latency, "wall_seconds": time.perf_counter() - started,
        "machine": platform.machine(), "cpu_count": os.cpu_count(), "threads": 1,
        "python": platform.python_version(), "torch": torch.__version__,
        "median_fold_auc": {k: statistics.median(v["fold_aucs"]) for k, v in cv["scores"].items()},
    }
    print_tables(cv, training, latency)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "credit_risk.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
