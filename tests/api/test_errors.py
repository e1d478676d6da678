"""The API's error bodies say what was wrong and what to do, and never pass on internals: a
server-side failure's own text (a service address, a Python error) stays in the log."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.api.errors import FAILED_MESSAGE, add_error_handlers
from bot.errors import InvalidMessage, ModelNotReady, TellerError
from bot.tools.plugins import ToolError

INTERNAL = "cannot reach credit-risk service http://10.0.0.5:8080: could not convert 'abc'"


def client_raising(error: Exception) -> TestClient:
    app = FastAPI()
    add_error_handlers(app)

    @app.post("/boom")
    def boom(body: dict[str, object]) -> None:
        raise error

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("error", [ToolError(INTERNAL), TellerError(INTERNAL),
                                   ValueError(INTERNAL)])
def test_a_server_side_failure_answers_a_generic_message_and_logs_the_cause(
        error: Exception, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        response = client_raising(error).post("/boom", json={})
    assert response.status_code >= 500
    assert response.json()["error"]["message"] == FAILED_MESSAGE
    assert "10.0.0.5" not in response.text
    assert INTERNAL in caplog.text


@pytest.mark.parametrize("error", [InvalidMessage("message is empty; type a question"),
                                   ModelNotReady("the intent model is loading; retry soon")])
def test_an_error_written_for_the_caller_keeps_its_words(error: TellerError) -> None:
    response = client_raising(error).post("/boom", json={})
    assert response.status_code == error.http_status
    assert response.json()["error"]["message"] == str(error)


@pytest.mark.parametrize(("body", "message"), [
    (b"[" * 5000 + b"]" * 5000, "request body is nested too deeply"),
    (b'{"turn": ' + b"9" * 5000 + b"}", "request body holds a number with too many digits"),
    (b'{"message": "\xff"}', "request body is not valid JSON in UTF-8"),
])
def test_a_body_python_cannot_read_is_a_400_that_says_why(body: bytes, message: str) -> None:
    response = client_raising(ValueError("unreached")).post(
        "/boom", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(message), response.text
