"""Property-based fuzzing of the action server (`teller actions`, rasa-sdk's Sanic app with
Teller's checks), in-process: whatever the body, it answers below 500, an error is a short
`{"error": ...}` that does not quote the request, and no reply to the customer carries a
Python error."""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from bot.actions.runner import build_executor
from bot.actions.server import create_action_app
from bot.config import Settings
from bot.kb import KnowledgeBase
from tests.fuzz_values import (
    JSON_VALUES,
    NON_FINITE_LITERALS,
    NUMBER_TEXTS,
    UNICODE,
)
from training.prepare import prepare_credit_risk_model

ACTIONS = ["action_assess_credit_risk", "action_recommend_portfolio",
           "validate_loan_application", "validate_portfolio_advice"]
SLOTS = ["amount", "duration_months", "purpose", "age", "employment_years", "housing",
         "savings", "horizon_years", "goal", "reaction_to_drop", "income_stability",
         "requested_slot"]
GOOD_SLOTS = {"amount": 9000, "duration_months": 60, "purpose": "business", "age": 23,
              "employment_years": 0, "housing": "rent", "savings": 0, "horizon_years": 10,
              "goal": "growth", "reaction_to_drop": "hold", "income_stability": "stable"}
PYTHON_ERROR = re.compile(r"could not convert|invalid literal|has no attribute|Traceback|"
                          r"argument must be|object is not|unsupported operand|"
                          r"cannot convert|not subscriptable|KeyError|TypeError|ValueError")


@pytest.fixture(scope="module")
def action_client(tmp_path_factory: pytest.TempPathFactory,
                  default_kb: KnowledgeBase) -> Iterator[TestClient]:
    data_dir: Path = tmp_path_factory.mktemp("actions-fuzz")
    app_settings = Settings(data_dir=data_dir, device="cpu")
    prepare_credit_risk_model(app_settings)
    with TestClient(create_action_app(build_executor(app_settings, default_kb))) as client:
        yield client


def call(action: str, slots: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "next_action": action, "sender_id": "customer-1", "version": "3.21.1",
        "domain": {"forms": {"loan_application": {"required_slots": ["amount"]}}},
        "tracker": {
            "sender_id": "customer-1", "slots": slots,
            "latest_message": {"text": text, "intent": {}, "entities": []},
            "events": [], "paused": False, "followup_action": None,
            "active_loop": {"name": "loan_application"}, "latest_action_name": "action_listen",
        },
    }


@st.composite
def fuzzed_calls(draw: st.DrawFn) -> tuple[bytes, dict[str, str]]:
    """A request body (and its headers): a Rasa call with odd slots, text or fields, a
    random JSON value, a call with a non-finite number spliced in, or raw bytes."""
    kind = draw(st.sampled_from(["slots"] * 5 + ["field", "json", "literal", "bytes",
                                                  "nested"]))
    headers = {"content-type": "application/json"}
    action = draw(st.sampled_from([*ACTIONS, *ACTIONS, "action_nope", "", "x" * 300]))
    slots = dict(GOOD_SLOTS)
    for name in draw(st.lists(st.sampled_from(SLOTS), max_size=4)):
        slots[name] = draw(JSON_VALUES)
    body: Any = call(action, slots, draw(UNICODE | NUMBER_TEXTS))
    if kind == "field":
        where = body if draw(st.booleans()) else body["tracker"]
        key = draw(st.sampled_from(sorted(where)))
        if draw(st.booleans()):
            del where[key]
        else:
            where[key] = draw(JSON_VALUES)
    elif kind == "json":
        body = draw(JSON_VALUES)
    if kind == "bytes":
        raw = draw(st.binary(max_size=300))
    elif kind == "nested":
        depth = draw(st.integers(100, 20_000))
        raw = (b"[" * depth + b"]" * depth) if draw(st.booleans()) else (
            b'{"a":' * depth + b"1" + b"}" * depth)
    else:
        raw = json.dumps(body).encode()
        if kind == "literal":
            marker = json.dumps(body["tracker"]["slots"]).encode()
            spliced = b'{"amount": ' + draw(NON_FINITE_LITERALS).encode() + b"}"
            raw = raw.replace(marker, spliced, 1)
    if draw(st.integers(0, 9)) == 0:
        raw = zlib.compress(raw) if draw(st.booleans()) else raw
        headers["Content-Encoding"] = "deflate"
    return raw, headers


@settings(max_examples=1500, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(request=fuzzed_calls())
def test_the_action_server_never_answers_5xx_nor_echoes_the_request(
        action_client: TestClient, request: tuple[bytes, dict[str, str]]) -> None:
    raw, headers = request
    response = action_client.post("/webhook", content=raw, headers=headers)
    event(f"HTTP {response.status_code}")
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        body = response.json()
        assert set(body) <= {"error", "action_name"}, body
        assert isinstance(body["error"], str) and len(body["error"]) <= 300, body
        if len(raw) >= 16:
            assert raw.decode("utf-8", "replace") not in response.text
        return
    reply = response.json()
    if reply is None:
        return
    for message in reply["responses"]:
        assert not PYTHON_ERROR.search(str(message.get("text") or "")), message["text"]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
       path=st.sampled_from(["/webhook", "/actions", "/health", "/", "/nope", "/webhook/x"]),
       query=st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=3))
def test_every_route_and_method_answers_below_500(action_client: TestClient, method: str,
                                                  path: str, query: dict[str, str]) -> None:
    response = action_client.request(method, path, params=query)
    event(f"{method} {path} -> {response.status_code}")
    assert response.status_code < 500, response.text[:300]


def test_a_null_latest_message_is_refused_not_a_500(action_client: TestClient) -> None:
    """rasa-sdk reads `latest_message` as a dict whenever the key is there (found by the fuzz
    test above: a 500 for `"latest_message": null`)."""
    call = {"next_action": "action_assess_credit_risk", "sender_id": "customer-1",
            "tracker": {"sender_id": "customer-1", "slots": GOOD_SLOTS,
                        "latest_message": None, "events": [],
                        "active_loop": {"name": "loan_application"}}}
    response = action_client.post("/webhook", json=call)
    assert response.status_code == 422, response.text
    assert "latest_message" in response.json()["error"]
