"""Rasa's REST channel: the same request and response shapes a Rasa front end expects."""

import pytest
from fastapi.testclient import TestClient

from bot.api.app import create_app
from bot.api.rasa_rest import rasa_messages
from bot.response import BotResponse, Button
from bot.runtime import Runtime


@pytest.fixture
def client(tiny_settings, tiny_assistant) -> TestClient:
    return TestClient(create_app(Runtime(tiny_settings, tiny_assistant), with_ui=False),
                      headers={"Authorization": "Bearer teller-dev-key"})


def test_status(client: TestClient) -> None:
    assert client.get("/webhooks/rest/").json() == {"status": "ok"}


def test_webhook_returns_rasa_messages_and_keeps_the_conversation(client: TestClient) -> None:
    first = client.post("/webhooks/rest/webhook",
                        json={"sender": "customer-7", "message": "hello", "metadata": {"a": 1}})
    assert first.status_code == 200
    [message] = first.json()
    assert message == {
        "recipient_id": "customer-7",
        "text": "Hello from Tiny Test Bank! How can I help?",
        "buttons": [{"title": "My card hasn't arrived", "payload": "/card_arrival"},
                    {"title": "Find my IBAN", "payload": "/faq:find-iban"}],
    }
    second = client.post("/webhooks/rest/webhook",
                         json={"sender": "customer-7", "message": "/card_arrival"})
    [answer] = second.json()
    assert set(answer) == {"recipient_id", "text"}  # no buttons: the key is left out
    assert "5 working days" in answer["text"]


def test_webhook_bad_input_is_a_clear_4xx(client: TestClient) -> None:
    response = client.post("/webhooks/rest/webhook", json={"sender": "x"})
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "body.message: Field required"
    response = client.post("/webhooks/rest/webhook", json={"sender": "a b", "message": "hi"})
    assert response.status_code == 422 and "session id" in response.json()["error"]["message"]


def test_images_and_tool_data_become_separate_messages() -> None:
    reply = BotResponse(session_id="s", text="Your portfolio", action="tool_result",
                        buttons=[Button(title="OK", payload="/affirm")],
                        images=["data:image/png;base64,AAAA"], data={"tool": "portfolio"})
    assert rasa_messages(reply) == [
        {"recipient_id": "s", "text": "Your portfolio",
         "buttons": [{"title": "OK", "payload": "/affirm"}]},
        {"recipient_id": "s", "image": "data:image/png;base64,AAAA"},
        {"recipient_id": "s", "custom": {"tool": "portfolio"}},
    ]


def test_metrics_count_requests_replies_and_intents(client: TestClient) -> None:
    client.post("/v1/chat", json={"message": "hello"})
    client.post("/webhooks/rest/webhook", json={"sender": "m1", "message": "what is a quasar?"})
    client.post("/v1/chat", json={"message": ""})
    text = client.get("/metrics").text
    assert 'teller_http_requests_total{route="/v1/chat",status="200"} 1.0' in text
    assert 'teller_http_requests_total{route="/v1/chat",status="422"} 1.0' in text
    assert 'teller_http_requests_total{route="/webhooks/rest/webhook",status="200"} 1.0' in text
    assert 'teller_intents_total{intent="greet"} 1.0' in text
    assert 'teller_replies_total{action="answer_intent"}' in text
    assert "teller_message_latency_seconds_count 2.0" in text
