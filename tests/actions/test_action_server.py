"""`teller actions` is rasa-sdk's real action server: post a request in Rasa's format."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from training.prepare import prepare_credit_risk_model

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    data_dir = tmp_path_factory.mktemp("actions")
    # What the application's prepare step does before serving: the runtime never trains.
    prepare_credit_risk_model(Settings(data_dir=data_dir))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TELLER_DATA_DIR": str(data_dir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "actions", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"action server exited: {process.stdout.read() if process.stdout else ''}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("action server did not start within 60 s")
    yield url
    process.terminate()
    process.wait(timeout=10)


def rasa_call(action: str, slots: dict[str, object], text: str = "") -> dict[str, object]:
    """The body a Rasa server posts to its action endpoint."""
    return {
        "next_action": action,
        "sender_id": "customer-1",
        "version": "3.21.1",
        "domain": {"forms": {"loan_application": {"required_slots": ["amount"]}}},
        "tracker": {
            "sender_id": "customer-1", "slots": slots,
            "latest_message": {"text": text, "intent": {}, "entities": []},
            "events": [], "paused": False, "followup_action": None,
            "active_loop": {"name": "loan_application"} if action.startswith("validate") else {},
            "latest_action_name": "action_listen",
        },
    }


LOAN = {"amount": 9000, "duration_months": 60, "purpose": "business", "age": 23,
        "employment_years": 0, "housing": "rent", "savings": 0}  # a known decline


def test_lists_teller_actions(action_server: str) -> None:
    names = {a["name"] for a in httpx.get(f"{action_server}/actions").json()}
    assert {"action_assess_credit_risk", "action_recommend_portfolio",
            "validate_loan_application", "validate_portfolio_advice"} <= names


def test_credit_risk_action_returns_rasa_events_and_responses(action_server: str) -> None:
    reply = httpx.post(f"{action_server}/webhook",
                       json=rasa_call("action_assess_credit_risk", LOAN), timeout=60).json()
    events = {e["name"]: e["value"] for e in reply["events"] if e["event"] == "slot"}
    assert events["loan_decision"] == "decline"
    assert 0.6 < events["probability_of_default"] < 0.9
    [response] = reply["responses"]
    custom = response["custom"]
    assert custom["tool"] == "credit_risk"
    assert custom["application"] == {
        "amount_eur": 9000.0, "duration_months": 60, "purpose": "business", "age": 23,
        "employment": "under_1_year", "housing": "rent", "savings": "none",
        "checking_account": None, "credit_history": None, "installment_rate": None,
        "other_debtors": None, "years_at_address": None, "main_asset": None,
        "other_installment_plans": None, "existing_credits": None, "job": None,
        "dependents": None, "telephone": None,
    }
    assert custom["assessment"]["band"] == "decline"
    reasons = custom["assessment"]["reasons"]
    assert len(reasons) == 4
    assert all(r["contribution"] > 0 for r in reasons)
    assert response["text"].startswith(
        "On these answers we would likely not be able to offer this loan. Estimated chance "
        "of the loan not being repaid: ")
    assert "The main factors:\n- " + reasons[0]["text"] in response["text"]


def test_form_validation_action_sets_slots_and_explains_bad_values(action_server: str) -> None:
    good = httpx.post(f"{action_server}/webhook", json=rasa_call(
        "validate_loan_application", {"requested_slot": "amount"}, "5k over 2 years"),
        timeout=30).json()
    slots = {e["name"]: e["value"] for e in good["events"]}
    assert slots == {"amount": 5000, "duration_months": 24}
    bad = httpx.post(f"{action_server}/webhook", json=rasa_call(
        "validate_loan_application", {"requested_slot": "amount"}, "-3 euros"),
        timeout=30).json()
    assert bad["events"] == [{"event": "slot", "timestamp": None, "name": "amount",
                              "value": None}]
    assert "won't work here" in bad["responses"][0]["text"]


def test_unknown_action_is_a_clear_error(action_server: str) -> None:
    reply = httpx.post(f"{action_server}/webhook", json=rasa_call("action_nope", {}), timeout=10)
    assert reply.status_code == 404
    assert "action_nope" in reply.text


def _valid_call() -> dict[str, object]:
    return rasa_call("action_assess_credit_risk", LOAN)


def _without(key: str) -> dict[str, object]:
    return {k: v for k, v in _valid_call().items() if k != key}


def _with_slot(name: str, raw_value: str) -> bytes:
    """A valid call whose slot `name` holds `raw_value`, spelled as raw JSON."""
    marker = "__SLOT_VALUE__"
    call = _valid_call()
    call["tracker"]["slots"] = {**LOAN, name: marker}  # type: ignore[index]
    return json.dumps(call).replace(f'"{marker}"', raw_value).encode()


MALFORMED_CALLS: list[tuple[str, bytes]] = [
    ("a JSON array", json.dumps([_valid_call()]).encode()),
    ("no tracker", json.dumps(_without("tracker")).encode()),
    ("no next_action", json.dumps(_without("next_action")).encode()),
    ("tracker not an object", json.dumps({**_valid_call(), "tracker": "t"}).encode()),
    ("slots not an object", json.dumps({**_valid_call(), "tracker": {
        **_valid_call()["tracker"], "slots": [1, 2]}}).encode()),  # type: ignore[dict-item]
    ("next_action a number", json.dumps({**_valid_call(), "next_action": 7}).encode()),
    ("version a number", json.dumps({**_valid_call(), "version": 3}).encode()),
    ("duration 1e400", _with_slot("duration_months", "1e400")),
    ("amount NaN", _with_slot("amount", "NaN")),
    ("age -Infinity", _with_slot("age", "-Infinity")),
    ("amount of 5000 digits", _with_slot("amount", "9" * 5000)),
    ("non-JSON bytes", b"\xff\xfe not json {"),
    ("truncated JSON", json.dumps(_valid_call()).encode()[:-5]),
    ("deeply nested", b"[" * 50_000 + b"]" * 50_000),
    ("empty body", b""),
    ("JSON null", b"null"),
]


@pytest.mark.parametrize(("case", "body"), MALFORMED_CALLS, ids=[c for c, _ in MALFORMED_CALLS])
def test_a_malformed_call_is_a_short_4xx_that_does_not_echo_it(action_server: str, case: str,
                                                               body: bytes) -> None:
    reply = httpx.post(f"{action_server}/webhook", content=body, timeout=30,
                       headers={"content-type": "application/json"})
    assert 400 <= reply.status_code < 500, (case, reply.status_code, reply.text[:300])
    error = reply.json()["error"]
    assert isinstance(error, str) and 0 < len(error) <= 300, error
    assert "request_body" not in reply.json()
    assert "customer-1" not in reply.text and "business" not in reply.text


@pytest.mark.parametrize(("slot", "value", "hint"), [
    ("amount", '"abc"', "Please give the loan amount as a number of euros, like 5000."),
    ("duration_months", '"two years"',
     "Please give the repayment period as a whole number of months, like 24."),
    ("age", "[41]", "Please give your age as a whole number of years, like 41."),
    ("savings", '{"eur": 5}', "Please give your savings as a number of euros (0 if none)"),
])
def test_a_slot_that_is_no_number_gets_a_polite_reply_not_a_python_error(
        action_server: str, slot: str, value: str, hint: str) -> None:
    reply = httpx.post(f"{action_server}/webhook", content=_with_slot(slot, value), timeout=30,
                       headers={"content-type": "application/json"})
    assert reply.status_code == 200, reply.text[:300]
    [response] = reply.json()["responses"]
    assert response["text"].startswith(hint), response["text"]
    for python_words in ("could not convert", "invalid literal", "argument must be", "float()",
                         "int()"):
        assert python_words not in response["text"]
