"""Capital-market assumptions for the reference portfolio tool, estimated from data in `arch`.

`python -m training.market_assumptions` rewrites `bot/tools/data/capital_market_assumptions.json`.
Every number comes from three monthly series that ship with the `arch` package (so the
estimate is reproducible offline):

- `arch.data.frenchdata`: Fama/French factors Mkt-RF, SMB, HML and the one-month Treasury
  bill rate RF, 1926-07 to 2018-11 (Kenneth R. French Data Library);
- `arch.data.default`: Moody's seasoned Aaa and Baa corporate bond yields, 1919-01 to
  2018-12 (FRED series AAA and BAA);
- `arch.data.core_cpi`: US CPI less food and energy, 1957-01 to 2018-11 (FRED CPILFESL),
  used only to state how much inflation the nominal figures contain.

The asset classes are proxies, and the file says so:

- cash: RF;
- bonds: a total return built from the yield series with a duration approximation,
  r_t = y_{t-1}/12 - D_{t-1} * (y_t - y_{t-1}), where D_{t-1} is the modified duration of a
  20-year par bond (semi-annual coupons) at last month's yield. Moody's seasoned series hold
  bonds of 20 years and more, so 20 years is the conservative end;
- equities: the market (Mkt-RF + RF); small companies as market + SMB (SMB is long small,
  short big, and the cap-weighted market is mostly big companies); value as market + HML.

Expected returns are long-run arithmetic means of monthly returns over the common sample,
times 12, with no shrinkage; the covariance is the sample covariance of the same months,
times 12. Each asset also carries a diversification limit (`max_share_of_group`) that the
optimiser in `bot.tools.portfolio.allocation` respects; see `TILT_SHARE` and `CREDIT_SHARE`.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from bot.errors import TrainingDataError
from bot.tools.portfolio.assumptions import DEFAULT_ASSUMPTIONS_PATH

SCHEMA_VERSION: Final = 1
BOND_MATURITY_YEARS: Final = 20
SIGNIFICANT_DIGITS: Final = 12  # in the JSON file; far below the estimates' own uncertainty
# Diversification limits, as a share of the asset's group (cash / bonds / equities). Plain
# mean-variance on historical means would fill the equity sleeve with the small and value
# tilts and the bond sleeve with Baa bonds, the assets whose historical edge is least certain
# (the tilts are paper portfolios before trading costs; Baa yields are promised yields, before
# default losses). So each tilt is at most a quarter of the equities and Baa at most half of
# the bonds; the broad market and Aaa bonds stay the core.
TILT_SHARE: Final = 0.25
CREDIT_SHARE: Final = 0.5

ASSETS: Final[tuple[dict[str, Any], ...]] = (
    {"name": "cash", "label": "Cash (US Treasury bills)", "group": "cash", "equity": False,
     "proxy": "Fama/French RF: one-month US Treasury bill return", "max_share_of_group": 1.0},
    {"name": "high_grade_bonds", "label": "High-grade bonds (AAA-rated)", "group": "bonds",
     "equity": False, "proxy": "Moody's seasoned Aaa corporate bond yield (FRED AAA), "
     f"{BOND_MATURITY_YEARS}-year duration approximation", "max_share_of_group": 1.0},
    {"name": "corporate_bonds", "label": "Corporate bonds (BAA-rated)", "group": "bonds",
     "equity": False, "proxy": "Moody's seasoned Baa corporate bond yield (FRED BAA), "
     f"{BOND_MATURITY_YEARS}-year duration approximation", "max_share_of_group": CREDIT_SHARE},
    {"name": "us_large_cap", "label": "US shares, large companies", "group": "equities",
     "equity": True, "proxy": "Fama/French market: Mkt-RF + RF (all CRSP US stocks, "
     "value-weighted)", "max_share_of_group": 1.0},
    {"name": "us_small_cap", "label": "US shares, small companies", "group": "equities",
     "equity": True, "proxy": "Fama/French Mkt-RF + RF + SMB", "max_share_of_group": TILT_SHARE},
    {"name": "us_value", "label": "US shares, value companies", "group": "equities",
     "equity": True, "proxy": "Fama/French Mkt-RF + RF + HML", "max_share_of_group": TILT_SHARE},
)

SOURCES: Final = (
    {"dataset": "arch.data.frenchdata", "package": "arch (PyPI), Kevin Sheppard",
     "original": "Kenneth R. French Data Library, Fama/French 3 Factors, monthly "
                 "(Mkt-RF, SMB, HML, RF); RF is the one-month Treasury bill rate",
     "url": "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/data_library.html"},
    {"dataset": "arch.data.default", "package": "arch (PyPI), Kevin Sheppard",
     "original": "Moody's Seasoned Aaa and Baa Corporate Bond Yields, monthly, "
                 "FRED series AAA and BAA (Federal Reserve Bank of St. Louis)",
     "url": "https://fred.stlouisfed.org/series/AAA ; https://fred.stlouisfed.org/series/BAA"},
    {"dataset": "arch.data.core_cpi", "package": "arch (PyPI), Kevin Sheppard",
     "original": "Consumer Price Index for All Urban Consumers: All Items Less Food and "
                 "Energy, FRED series CPILFESL (US Bureau of Labor Statistics)",
     "url": "https://fred.stlouisfed.org/series/CPILFESL"},
)

CAVEATS: Final = (
    "Bond returns are built from promised yields: default losses are not deducted, which "
    "flatters Baa bonds most.",
    "The small and value share proxies are research portfolios before trading costs.",
    "Moody's yields are monthly averages, which smooths bond volatility a little.",
)

METHOD: Final = {
    "expected_return": "Long-run arithmetic mean of monthly returns over the common sample, "
                       "times 12; no shrinkage toward a prior.",
    "covariance": "Sample covariance (ddof=1) of the same monthly returns, times 12; "
                  "volatility is the square root of its diagonal.",
    "bond_returns": "r_t = y_{t-1}/12 - D_{t-1} * (y_t - y_{t-1}); D is the modified duration "
                    f"of a {BOND_MATURITY_YEARS}-year par bond with semi-annual coupons at "
                    "y_{t-1}. Moody's yields are monthly averages, which smooths bond "
                    "volatility a little.",
    "equity_returns": "Market = Mkt-RF + RF; small companies = market + SMB; value = market "
                      "+ HML. The factor tilts are paper portfolios before trading costs.",
    "max_share_of_group": "Diversification limit used by the optimiser: an asset's weight is "
                          "at most this share of its group's total weight.",
    "returns": "Nominal US dollars, before fees, taxes and inflation.",
}


def _arch_data_file(dataset: str, filename: str) -> Path:
    """A CSV inside the installed `arch` package, found without importing `arch`.

    Importing `arch` loads its whole modelling stack (seconds); the data needs none of it.
    """
    spec = find_spec("arch")
    if spec is None or spec.origin is None:
        raise TrainingDataError("the `arch` package is not installed; run `pip install -e .`")
    path = Path(spec.origin).parent / "data" / dataset / filename
    if not path.is_file():
        raise TrainingDataError(f"{path} is missing; reinstall `arch` ({version('arch')})")
    return path


def _contiguous_monthly(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    expected = pd.period_range(frame.index[0], frame.index[-1], freq="M")
    if len(frame.index) != len(expected) or not (frame.index == expected).all():
        raise TrainingDataError(f"{what}: monthly dates are not contiguous; is arch intact?")
    if frame.isna().any().any():
        raise TrainingDataError(f"{what}: missing values; is arch intact?")
    return frame


def load_french_factors() -> pd.DataFrame:
    """Monthly Fama/French factors as decimals, indexed by month.

    (`arch.data.frenchdata.load()` would also parse its YYYYMM dates as nanoseconds in 1970.)
    """
    return _read_monthly("frenchdata", "frenchdata.csv.gz", "%Y%m") / 100.0


def load_corporate_yields() -> pd.DataFrame:
    """Moody's Aaa and Baa yields as decimals (0.0535 = 5.35%), indexed by month."""
    return _read_monthly("default", "default.csv.gz", "%m/%d/%Y") / 100.0


def load_core_cpi() -> pd.Series:
    return _read_monthly("core_cpi", "core-cpi.csv.gz", "%m/%d/%Y")["CPILFESL"]


def _read_monthly(dataset: str, filename: str, date_format: str) -> pd.DataFrame:
    frame = pd.read_csv(_arch_data_file(dataset, filename), dtype={"Date": str})
    months = pd.to_datetime(frame.pop("Date"), format=date_format).dt.to_period("M")
    frame.index = pd.PeriodIndex(months, name="month")
    return _contiguous_monthly(frame.astype(float), f"arch.data.{dataset}")


def par_bond_duration(yields: pd.Series, maturity_years: int = BOND_MATURITY_YEARS) -> pd.Series:
    """Modified duration of a par bond with semi-annual coupons: (1 - (1 + y/2)^(-2M)) / y."""
    return (1.0 - (1.0 + yields / 2.0) ** (-2 * maturity_years)) / yields


def bond_returns(yields: pd.Series, maturity_years: int = BOND_MATURITY_YEARS) -> pd.Series:
    """Monthly total return from a yield series: carry minus duration times the yield change."""
    previous = yields.shift(1)
    duration = par_bond_duration(previous, maturity_years)
    return (previous / 12.0 - duration * (yields - previous)).iloc[1:]


def monthly_returns() -> pd.DataFrame:
    """Monthly returns of every asset class in `ASSETS`, over the months all of them cover."""
    factors = load_french_factors()
    yields = load_corporate_yields()
    market = factors["Mkt-RF"] + factors["RF"]
    columns = {
        "cash": factors["RF"],
        "high_grade_bonds": bond_returns(yields["AAA"]),
        "corporate_bonds": bond_returns(yields["BAA"]),
        "us_large_cap": market,
        "us_small_cap": market + factors["SMB"],
        "us_value": market + factors["HML"],
    }
    returns = pd.DataFrame(columns).dropna()
    return returns[[asset["name"] for asset in ASSETS]]


def inflation_context() -> dict[str, Any]:
    """Compound annual core-CPI inflation over the CPI series' own (shorter) sample."""
    cpi = load_core_cpi()
    rate = (cpi.iloc[-1] / cpi.iloc[0]) ** (12.0 / (len(cpi) - 1)) - 1.0
    return {"series": "FRED CPILFESL (US core CPI)", "start": str(cpi.index[0]),
            "end": str(cpi.index[-1]), "annual_rate": _rounded(rate)}


def _rounded(value: float) -> float:
    return float(f"{float(value):.{SIGNIFICANT_DIGITS}g}")


def estimate(returns: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Annualised expected returns (arithmetic mean x 12) and covariance (sample x 12)."""
    values = returns.to_numpy(dtype=float)
    return values.mean(axis=0) * 12.0, np.cov(values, rowvar=False, ddof=1) * 12.0


def build_assumptions(today: date | None = None) -> dict[str, Any]:
    """The full JSON document; deterministic apart from `generated_on`."""
    returns = monthly_returns()
    mean, covariance = estimate(returns)
    volatility = np.sqrt(np.diag(covariance))
    assets = [
        {**spec, "expected_return": _rounded(mu), "volatility": _rounded(sigma)}
        for spec, mu, sigma in zip(ASSETS, mean, volatility, strict=True)
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "description": "Capital-market assumptions for Teller's reference portfolio tool. "
                       "Historical estimates, not forecasts.",
        "generated_on": (today or date.today()).isoformat(),
        "generated_by": "python -m training.market_assumptions",
        "versions": {"arch": version("arch"), "pandas": pd.__version__,
                     "numpy": np.__version__},
        "currency": "USD",
        "return_basis": "nominal",
        "sample": {"start": str(returns.index[0]), "end": str(returns.index[-1]),
                   "months": len(returns), "frequency": "monthly, annualised"},
        "method": METHOD,
        "sources": list(SOURCES),
        "caveats": list(CAVEATS),
        "assets": assets,
        "covariance": [[_rounded(c) for c in row] for row in covariance],
        "inflation_context": inflation_context(),
    }


def write_assumptions(path: Path = DEFAULT_ASSUMPTIONS_PATH) -> dict[str, Any]:
    document = build_assumptions()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return document


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_ASSUMPTIONS_PATH
    document = write_assumptions(path)
    sample = document["sample"]
    print(f"wrote {path} ({sample['start']} to {sample['end']}, {sample['months']} months)")
    for asset in document["assets"]:
        print(f"  {asset['name']:<18} expected {asset['expected_return']:7.2%}  "
              f"volatility {asset['volatility']:7.2%}")


if __name__ == "__main__":
    main()
