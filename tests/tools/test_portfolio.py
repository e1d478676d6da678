"""Portfolio tool: questionnaire and its published schema, risk score, the real optimiser over
the shipped assumptions, and the Python-class and HTTP plug-ins."""

from __future__ import annotations

import dataclasses
import itertools
import json
import pickle
import re
import struct
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import matplotlib.pyplot as plt
import numpy as np
import pytest

from bot.errors import ConfigurationError, ModelNotReady, TellerError
from bot.tools.plugins import ToolError
from bot.tools.portfolio import (
    DEFAULT_ASSUMPTIONS_PATH,
    FORM_INPUT,
    GOALS,
    INCOME_STABILITY,
    REACTIONS_TO_DROP,
    WORST_YEAR_Z,
    Allocation,
    AssumptionsError,
    CapitalMarketAssumptions,
    HttpPortfolioAdvisor,
    InvalidQuestionnaire,
    PortfolioAdvisorError,
    PortfolioRecommendation,
    ReferencePortfolioAdvisor,
    RiskQuestionnaire,
    allocation_chart_png,
    allocation_for_score,
    efficient_allocations,
    load_portfolio_advisor,
    recommend_portfolio,
    risk_aversion,
    risk_label,
    risk_score,
    score_breakdown,
)
from training.market_assumptions import build_assumptions

THIS_MODULE = __name__
ASSET_NAMES = ["cash", "high_grade_bonds", "corporate_bonds",
               "us_large_cap", "us_small_cap", "us_value"]


@pytest.fixture(scope="module")
def assumptions() -> CapitalMarketAssumptions:
    return CapitalMarketAssumptions.load()


@pytest.fixture(scope="module")
def frontier(assumptions: CapitalMarketAssumptions) -> tuple[Allocation, ...]:
    return efficient_allocations(assumptions)


@pytest.fixture
def shipped() -> dict[str, Any]:
    """A fresh copy per test (tests edit it); the file is small."""
    data: dict[str, Any] = json.loads(DEFAULT_ASSUMPTIONS_PATH.read_text(encoding="utf-8"))
    return data


def answers(**changes: Any) -> RiskQuestionnaire:
    base = RiskQuestionnaire(age=45, horizon_years=10, goal="balanced",
                             reaction_to_drop="hold", income_stability="stable")
    return dataclasses.replace(base, **changes)


# --- Questionnaire and score ---------------------------------------------------------------


def test_score_breakdown_is_the_documented_points() -> None:
    q = answers()
    assert score_breakdown(q) == {"horizon_years": 14, "reaction_to_drop": 17, "goal": 13,
                                  "income_stability": 5, "age": 10}
    assert risk_score(q) == 59
    assert risk_label(59) == "balanced"


def test_score_spans_0_to_100_and_short_horizons_are_capped() -> None:
    assert risk_score(RiskQuestionnaire(100, 1, "preserve", "sell_all", "unstable")) == 0
    assert risk_score(RiskQuestionnaire(25, 30, "growth", "buy_more", "very_stable")) == 100
    one_year = RiskQuestionnaire(25, 1, "growth", "buy_more", "very_stable")
    assert sum(score_breakdown(one_year).values()) == 70
    assert risk_score(one_year) == 25
    assert risk_score(dataclasses.replace(one_year, horizon_years=2)) == 50


ORDERED_ANSWERS: dict[str, list[Any]] = {
    "age": list(range(100, 17, -1)),  # younger is more room for risk
    "horizon_years": list(range(1, 51)),
    "goal": list(GOALS),
    "reaction_to_drop": list(REACTIONS_TO_DROP),
    "income_stability": list(INCOME_STABILITY),
}
OTHER_VALUES: dict[str, list[Any]] = {
    "age": [18, 35, 60, 85],
    "horizon_years": [1, 2, 3, 7, 25],
    "goal": list(GOALS),
    "reaction_to_drop": list(REACTIONS_TO_DROP),
    "income_stability": list(INCOME_STABILITY),
}


@pytest.mark.parametrize("question", list(ORDERED_ANSWERS))
def test_risk_score_never_falls_as_one_answer_gets_bolder(question: str) -> None:
    others = [name for name in OTHER_VALUES if name != question]
    for combination in itertools.product(*(OTHER_VALUES[name] for name in others)):
        fixed = dict(zip(others, combination, strict=True))
        scores = [risk_score(RiskQuestionnaire(**fixed, **{question: value}))
                  for value in ORDERED_ANSWERS[question]]
        assert scores == sorted(scores), (question, fixed, scores)


def test_the_published_schema_holds_the_questionnaires_limits() -> None:
    assert FORM_INPUT.action == "action_recommend_portfolio"
    assert FORM_INPUT.names == tuple(f.name for f in dataclasses.fields(RiskQuestionnaire))
    assert {f.name: (f.type, f.unit, f.min, f.max) for f in FORM_INPUT.fields} == {
        "age": ("age", None, 18, 100),
        "horizon_years": ("duration", "years", 1, 50),
        "goal": ("choice", None, None, None),
        "reaction_to_drop": ("choice", None, None, None),
        "income_stability": ("choice", None, None, None),
    }
    assert FORM_INPUT.field("goal").choices is GOALS
    for name in ("age", "horizon_years"):
        low, high = FORM_INPUT.field(name).min, FORM_INPUT.field(name).max
        assert low is not None and high is not None
        assert getattr(answers(**{name: int(low)}), name) == low
        assert getattr(answers(**{name: int(high)}), name) == high
        for outside in (int(low) - 1, int(high) + 1):
            with pytest.raises(InvalidQuestionnaire):
                answers(**{name: outside})


def test_risk_labels_band_the_score() -> None:
    labels = {score: risk_label(score) for score in (0, 19, 20, 39, 40, 59, 60, 79, 80, 100)}
    assert labels == {0: "cautious", 19: "cautious", 20: "moderately cautious",
                      39: "moderately cautious", 40: "balanced", 59: "balanced",
                      60: "moderately adventurous", 79: "moderately adventurous",
                      80: "adventurous", 100: "adventurous"}
    with pytest.raises(ValueError, match=re.escape("0..100")):
        risk_label(101)


@pytest.mark.parametrize(("change", "question", "message"), [
    ({"age": 17}, "age", "Please enter your age as a whole number from 18 to 100."),
    ({"age": 101}, "age", "Please enter your age as a whole number from 18 to 100."),
    ({"age": True}, "age", "Please enter your age as a whole number from 18 to 100."),
    ({"age": "45"}, "age", "Please enter your age as a whole number from 18 to 100."),
    ({"horizon_years": 0}, "horizon_years", "Please enter how many years you plan to stay "
     "invested as a whole number from 1 to 50."),
    ({"horizon_years": 51}, "horizon_years", "Please enter how many years you plan to stay "
     "invested as a whole number from 1 to 50."),
    ({"goal": "get_rich"}, "goal", 'Please choose your goal from: "Keep my money safe"; '
     '"Earn a steady income"; "A balance of growth and safety"; '
     '"Grow my money over the long term".'),
    ({"reaction_to_drop": "panic"}, "reaction_to_drop", "Please choose what you would do if "
     'your investments fell 20% in a year from: "Sell everything"; "Sell some of it"; '
     '"Hold on and wait"; "Buy more while prices are low".'),
    ({"income_stability": None}, "income_stability", "Please choose how secure your income "
     'is from: "My income is irregular or uncertain"; "My income is steady"; '
     '"My income is very secure and I have savings to fall back on".'),
])
def test_invalid_answers_get_a_message_for_the_customer(
    change: dict[str, Any], question: str, message: str
) -> None:
    with pytest.raises(InvalidQuestionnaire) as caught:
        answers(**change)
    assert str(caught.value) == message
    assert caught.value.question == question
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, TellerError)
    assert caught.value.http_status == 422
    copy = pickle.loads(pickle.dumps(caught.value))  # crosses process pools intact
    assert (copy.question, str(copy)) == (question, message)


# --- Optimisation over the shipped assumptions ---------------------------------------------


def test_every_score_is_long_only_fully_invested_and_within_limits(
    frontier: tuple[Allocation, ...], assumptions: CapitalMarketAssumptions
) -> None:
    assert [a.score for a in frontier] == list(range(101))
    limits = assumptions.group_limits()
    for allocation in frontier:
        weights = np.array(list(allocation.weights.values()))
        assert list(allocation.weights) == ASSET_NAMES
        assert (weights >= 0).all()
        assert weights.sum() == pytest.approx(1.0, abs=1e-12)
        assert (limits @ weights >= -1e-9).all(), allocation
        assert allocation.equity_share == pytest.approx(weights[3:].sum(), abs=1e-12)


def test_equity_share_volatility_and_return_never_fall_as_the_score_rises(
    frontier: tuple[Allocation, ...],
) -> None:
    for field in ("equity_share", "volatility", "expected_return"):
        values = np.array([getattr(a, field) for a in frontier])
        assert (np.diff(values) >= -1e-10).all(), (field, np.diff(values).min())
    assert frontier[0].volatility < 0.05 < 0.15 < frontier[100].volatility
    assert frontier[0].equity_share < 0.15
    assert frontier[50].equity_share == pytest.approx(0.40, abs=0.05)


def test_extremes_are_mostly_cash_and_all_shares(frontier: tuple[Allocation, ...]) -> None:
    cautious, adventurous = frontier[0].weights, frontier[100].weights
    assert max(cautious, key=lambda name: cautious[name]) == "cash"
    assert cautious["cash"] > 0.5
    # Growth-optimal (lambda = 1) fills shares, with each tilt at its 25%-of-equities limit.
    assert adventurous == pytest.approx({"cash": 0.0, "high_grade_bonds": 0.0,
                                         "corporate_bonds": 0.0, "us_large_cap": 0.5,
                                         "us_small_cap": 0.25, "us_value": 0.25}, abs=1e-6)


@pytest.mark.parametrize("score", [0, 30, 60, 90])
def test_optimum_beats_random_feasible_portfolios(
    score: int, assumptions: CapitalMarketAssumptions, frontier: tuple[Allocation, ...]
) -> None:
    lam = risk_aversion(score)
    mu, cov = assumptions.expected_returns, assumptions.covariance

    def utility(w: np.ndarray) -> np.ndarray:
        return w @ mu - 0.5 * lam * np.einsum("...i,ij,...j->...", w, cov, w)

    candidates = np.random.default_rng(score).dirichlet(np.full(len(mu), 0.3), size=20_000)
    feasible = candidates[(candidates @ assumptions.group_limits().T >= 0).all(axis=1)]
    assert len(feasible) > 500
    best = np.array(list(frontier[score].weights.values()))
    assert utility(best) >= utility(feasible).max() - 1e-12


def test_risk_aversion_falls_from_20_to_growth_optimal() -> None:
    values = [risk_aversion(s) for s in range(101)]
    assert values[0] == pytest.approx(20.0) and values[100] == pytest.approx(1.0)
    assert all(a > b for a, b in itertools.pairwise(values))


# --- Recommendation and chart --------------------------------------------------------------


def test_reference_advisor_recommendation(assumptions: CapitalMarketAssumptions) -> None:
    rec = ReferencePortfolioAdvisor().recommend(answers())
    allocation = allocation_for_score(59, assumptions)
    assert (rec.risk_score, rec.risk_label) == (59, "balanced")
    assert list(rec.weights.values()) == sorted(rec.weights.values(), reverse=True)
    assert rec.weights == {name: allocation.weights[name] for name in rec.weights}
    assert set(rec.weights) == set(ASSET_NAMES) and list(rec.labels) == list(rec.weights)
    assert rec.labels["us_large_cap"] == "US shares, large companies"
    assert rec.expected_return == allocation.expected_return
    assert rec.volatility == allocation.volatility
    assert rec.equity_share == allocation.equity_share
    assert rec.worst_year == pytest.approx(rec.expected_return - 1.6449 * rec.volatility,
                                           abs=1e-4)
    assert rec.assumptions[0].startswith(
        "Estimated from US market history, July 1926 to November 2018 (1109 months). "
        "Expected returns: Long-run arithmetic mean of monthly returns")
    assert "Past returns do not guarantee future returns." in rec.assumptions
    assert rec.assumptions[2].startswith(
        "Figures are nominal USD returns, before fees, taxes and inflation; US core "
        "inflation averaged 3.6% a year from January 1957 to November 2018")
    assert rec.assumptions[-1] == (
        "Diversification limits: Corporate bonds (BAA-rated) at most 50% of bonds; US shares, "
        "small companies at most 25% of equities; US shares, value companies at most 25% of "
        "equities.")
    assert rec.disclaimer.startswith("This is general information, not personal financial "
                                     "advice")


def test_recommendation_serialises_to_json(assumptions: CapitalMarketAssumptions) -> None:
    rec = recommend_portfolio(answers(horizon_years=2, goal="preserve"), assumptions)
    data = rec.to_dict()
    assert list(data) == ["risk_score", "risk_label", "weights", "labels", "expected_return",
                          "volatility", "worst_year", "equity_share", "assumptions",
                          "disclaimer"]
    assert json.loads(json.dumps(data)) == data
    assert data["worst_year"] == rec.expected_return - WORST_YEAR_Z * rec.volatility


def test_chart_is_a_real_png_and_leaves_pyplot_alone(assumptions: CapitalMarketAssumptions
                                                     ) -> None:
    figures_before = plt.get_fignums()
    rec = recommend_portfolio(answers(), assumptions)
    assert [name for name, w in rec.weights.items() if w == 0] == ["cash"]
    png = allocation_chart_png(rec)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (700, 410)  # 7 in x 100 dpi; 0.5 in for each of 5 bars + 1.6 in
    assert len(png) > 10_000
    assert plt.get_fignums() == figures_before


# --- The assumptions file ------------------------------------------------------------------


def test_assumptions_file_explains_itself(shipped: dict[str, Any]) -> None:
    assert [a["name"] for a in shipped["assets"]] == ASSET_NAMES
    assert [a["name"] for a in shipped["assets"] if a["equity"]] == ASSET_NAMES[3:]
    assert shipped["sample"] == {"start": "1926-07", "end": "2018-11", "months": 1109,
                                 "frequency": "monthly, annualised"}
    assert (shipped["currency"], shipped["return_basis"]) == ("USD", "nominal")
    assert [s["dataset"] for s in shipped["sources"]] == [
        "arch.data.frenchdata", "arch.data.default", "arch.data.core_cpi"]
    citations = " ".join(s["original"] for s in shipped["sources"])
    for cited in ("Kenneth R. French Data Library", "FRED series AAA and BAA", "CPILFESL"):
        assert cited in citations
    assert shipped["method"]["expected_return"].startswith("Long-run arithmetic mean")
    date.fromisoformat(shipped["generated_on"])


def test_covariance_is_positive_definite_and_matches_volatilities(
    shipped: dict[str, Any],
) -> None:
    cov = np.array(shipped["covariance"])
    assert cov.shape == (6, 6)
    np.testing.assert_array_equal(cov, cov.T)
    assert np.linalg.eigvalsh(cov).min() > 0
    np.testing.assert_allclose(np.sqrt(np.diag(cov)),
                               [a["volatility"] for a in shipped["assets"]], rtol=1e-8)


def _assert_same_document(built: Any, stored: Any, where: str = "") -> None:
    if isinstance(stored, dict):
        assert list(built) == list(stored), where
        for key in stored:
            _assert_same_document(built[key], stored[key], f"{where}.{key}")
    elif isinstance(stored, list):
        assert len(built) == len(stored), where
        for i, (b, s) in enumerate(zip(built, stored, strict=True)):
            _assert_same_document(b, s, f"{where}[{i}]")
    elif isinstance(stored, float):
        assert built == pytest.approx(stored, rel=1e-9, abs=1e-12), where
    else:
        assert built == stored, where


def test_regenerated_assumptions_equal_the_shipped_file(shipped: dict[str, Any]) -> None:
    built = json.loads(json.dumps(
        build_assumptions(today=date.fromisoformat(shipped["generated_on"]))))
    del built["versions"], shipped["versions"]  # library versions may move; numbers may not
    _assert_same_document(built, shipped)


def test_missing_or_broken_assumptions_say_how_to_rebuild(tmp_path: Path,
                                                          shipped: dict[str, Any]) -> None:
    advisor = ReferencePortfolioAdvisor(tmp_path / "missing.json")  # lazy: no error yet
    with pytest.raises(AssumptionsError, match=re.escape("python -m training.market_assumptions")):
        advisor.recommend(answers())
    broken = json.loads(json.dumps(shipped))
    broken["covariance"][0][0] = -1.0
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(AssumptionsError, match="not positive definite") as caught:
        CapitalMarketAssumptions.load(path)
    assert isinstance(caught.value, ModelNotReady)
    broken = json.loads(json.dumps(shipped))
    broken["assets"][3]["equity"] = "false"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(AssumptionsError, match="'equity' must be true or false"):
        CapitalMarketAssumptions.load(path)


# --- Plug-ins ------------------------------------------------------------------------------


class DepositsOnlyAdvisor:
    """A bank's own advisor: keeps everyone in a savings account."""

    def recommend(self, questionnaire: RiskQuestionnaire) -> PortfolioRecommendation:
        score = risk_score(questionnaire)
        return PortfolioRecommendation(
            risk_score=score, risk_label=risk_label(score), weights={"savings": 1.0},
            labels={"savings": "Savings account"}, expected_return=0.02, volatility=0.0,
            worst_year=0.02, equity_share=0.0,
        )


class NotAnAdvisor:
    pass


class NeedsSettings:
    def __init__(self, url: str) -> None:
        self.url = url

    def recommend(self, questionnaire: RiskQuestionnaire) -> PortfolioRecommendation:
        raise NotImplementedError


def test_plug_in_advisor_by_spec_string() -> None:
    advisor = load_portfolio_advisor(f" {THIS_MODULE}:DepositsOnlyAdvisor ")
    assert isinstance(advisor, DepositsOnlyAdvisor)
    rec = advisor.recommend(answers())
    assert (rec.weights, rec.risk_score) == ({"savings": 1.0}, 59)
    assert isinstance(load_portfolio_advisor("reference"), ReferencePortfolioAdvisor)


@pytest.mark.parametrize(("spec", "message"), [
    ("best-advisor", "portfolio advisor 'best-advisor' should be 'reference', "
                     "'package.module:ClassName' or an http(s) URL"),
    ("no_such_bank_module:Advisor", "portfolio advisor 'no_such_bank_module:Advisor': cannot "
     "import 'no_such_bank_module' (No module named 'no_such_bank_module'); is the package "
     "installed?"),
    (f"{THIS_MODULE}:Missing",
     f"portfolio advisor '{THIS_MODULE}:Missing': {THIS_MODULE} has no class 'Missing'"),
    (f"{THIS_MODULE}:NotAnAdvisor",
     f"portfolio advisor '{THIS_MODULE}:NotAnAdvisor' has no recommend() method"),
    (f"{THIS_MODULE}:NeedsSettings",
     f"portfolio advisor '{THIS_MODULE}:NeedsSettings' could not be created with no arguments: "
     "TypeError(\"NeedsSettings.__init__() missing 1 required positional argument: 'url'\")"),
])
def test_bad_advisor_specs_are_configuration_errors(spec: str, message: str) -> None:
    with pytest.raises(PortfolioAdvisorError) as caught:
        load_portfolio_advisor(spec)
    assert str(caught.value) == message
    assert isinstance(caught.value, ConfigurationError)


def test_recommendation_round_trips_as_json_and_nonsense_is_refused(
    assumptions: CapitalMarketAssumptions,
) -> None:
    rec = recommend_portfolio(answers(), assumptions)
    assert PortfolioRecommendation.from_dict(json.loads(json.dumps(rec.to_dict()))) == rec
    changes: list[tuple[dict[str, object], str]] = [
        ({"risk_score": 101}, "risk_score must be a whole number 0..100, got 101"),
        ({"weights": {"cash": 0.5}}, "weights must be non-negative and add up to 1"),
        ({"labels": {"cash": "Cash"}}, "labels must name every asset in weights"),
        ({"volatility": "high"}, "volatility must be a finite number, got 'high'"),
    ]
    for change, message in changes:
        with pytest.raises(ValueError) as caught:
            PortfolioRecommendation.from_dict({**rec.to_dict(), **change})
        assert str(caught.value) == message


class AdvisorService(BaseHTTPRequestHandler):
    """A bank's advisory endpoint, served by the reference advisor; /nonsense misbehaves."""

    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append(body)
        if self.path == "/nonsense":
            reply = b'{"risk_score": "high"}'
        else:
            rec = ReferencePortfolioAdvisor().recommend(RiskQuestionnaire(**body))
            reply = json.dumps(rec.to_dict()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def advisor_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), AdvisorService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_advisor_round_trips_through_a_real_server(advisor_url: str) -> None:
    remote = load_portfolio_advisor(f"{advisor_url}/advise")
    assert isinstance(remote, HttpPortfolioAdvisor)
    assert remote.recommend(answers()) == ReferencePortfolioAdvisor().recommend(answers())
    assert AdvisorService.received[-1] == answers().to_dict() == {
        "age": 45, "horizon_years": 10, "goal": "balanced", "reaction_to_drop": "hold",
        "income_stability": "stable"}
    with pytest.raises(ToolError) as caught:
        HttpPortfolioAdvisor(f"{advisor_url}/nonsense").recommend(answers())
    assert str(caught.value) == (
        f"portfolio service {advisor_url}/nonsense sent an invalid recommendation: "
        "risk_score must be a whole number 0..100, got 'high'")
    assert caught.value.http_status == 502
