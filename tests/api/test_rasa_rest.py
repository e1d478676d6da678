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
    assert response.status_code == 422 and "sender" in response.json()["error"]["message"]


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


def anonymous_client(tiny_settings, tiny_assistant, peer: str, **overrides: object
                     ) -> TestClient:
    """The webhook app with `overrides` in its settings, called from the address `peer`."""
    settings = tiny_settings.model_copy(update=overrides)
    return TestClient(create_app(Runtime(settings, tiny_assistant), with_ui=False),
                      client=(peer, 40000))


def from_address(client: TestClient, peer: str) -> TestClient:
    """Another customer of the same server."""
    return TestClient(client.app, client=(peer, 40000))


def say(client: TestClient, sender: str, headers: dict[str, str] | None = None) -> int:
    return client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "hello"},
                       headers=headers or {}).status_code


def test_a_message_without_sender_is_refused_not_put_in_a_shared_conversation(
        client: TestClient, tiny_assistant) -> None:
    response = client.post("/webhooks/rest/webhook", json={"message": "hello"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["type"] == "InvalidRequest"
    assert "sender" in body["error"]["message"]
    assert "required" in body["error"]["message"]
    # Nothing was stored under the old shared id.
    assert tiny_assistant.store.info("default") is None


def test_a_sender_that_names_another_owners_session_looks_like_any_new_sender(
        client: TestClient) -> None:
    api_session = client.post("/v1/sessions", json={}).json()["session_id"]
    taken = client.post("/webhooks/rest/webhook",
                        json={"sender": api_session, "message": "hello"})
    fresh = client.post("/webhooks/rest/webhook",
                        json={"sender": "a" * 32, "message": "hello"})
    assert (taken.status_code, fresh.status_code) == (200, 200)
    [one], [other] = taken.json(), fresh.json()
    assert one["recipient_id"] == api_session
    assert {**one, "recipient_id": "x"} == {**other, "recipient_id": "x"}
    # The API key's session was neither read nor written by the webhook.
    history = client.get(f"/v1/sessions/{api_session}").json()
    assert history["turns"] == []
    # And the webhook's conversation goes on under its sender.
    again = client.post("/webhooks/rest/webhook",
                        json={"sender": api_session, "message": "/card_arrival"})
    assert "5 working days" in again.json()[0]["text"]


def test_the_webhook_limits_each_client_address(tiny_settings, tiny_assistant) -> None:
    client = anonymous_client(tiny_settings, tiny_assistant, "192.0.2.10",
                              anonymous_rate_limit_per_minute=3)
    assert [say(client, f"c{n}") for n in range(3)] == [200, 200, 200]
    refused = client.post("/webhooks/rest/webhook", json={"sender": "c9", "message": "hello"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    error = refused.json()["error"]
    assert error["type"] == "RateLimited"
    assert "API key" not in error["message"] and "retry in" in error["message"]
    assert tiny_assistant.store.info("rasa:c9") is None  # nothing stored
    assert say(from_address(client, "192.0.2.11"), "d1") == 200


def test_behind_a_trusted_proxy_the_forwarded_client_is_limited(tiny_settings,
                                                                tiny_assistant) -> None:
    proxy = anonymous_client(tiny_settings, tiny_assistant, "10.1.2.3",
                             anonymous_rate_limit_per_minute=2, trusted_proxies=["10.0.0.0/8"])
    first = {"X-Forwarded-For": "198.51.100.7"}
    second = {"X-Forwarded-For": "203.0.113.50, 198.51.100.8"}  # the proxy appended .8
    assert [say(proxy, "p1", first) for _ in range(3)] == [200, 200, 429]
    assert [say(proxy, "p2", second) for _ in range(3)] == [200, 200, 429]


def test_a_spoofed_forwarded_header_from_an_untrusted_peer_is_ignored(
        tiny_settings, tiny_assistant) -> None:
    client = anonymous_client(tiny_settings, tiny_assistant, "192.0.2.20",
                              anonymous_rate_limit_per_minute=2, trusted_proxies=["10.0.0.0/8"])
    statuses = [say(client, "s1", {"X-Forwarded-For": f"198.51.100.{n}"}) for n in range(3)]
    assert statuses == [200, 200, 429]
