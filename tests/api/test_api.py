"""The HTTP channel, through FastAPI's TestClient, on the tiny KB (Gradio chat mounted too)."""

import pytest
from fastapi.testclient import TestClient

from bot.api.app import create_app
from bot.runtime import Runtime


@pytest.fixture
def client(tiny_settings, tiny_assistant) -> TestClient:
    return TestClient(create_app(Runtime(tiny_settings, tiny_assistant)),
                      headers={"Authorization": "Bearer teller-dev-key"})


def test_chat_round_trip_keeps_the_session(client: TestClient) -> None:
    first = client.post("/v1/chat", json={"message": "hello"})
    assert first.status_code == 200
    body = first.json()
    assert body["text"] == "Hello from Tiny Test Bank! How can I help?"
    assert body["intent"]["name"] == "greet"
    assert body["buttons"][0] == {"title": "My card hasn't arrived", "payload": "/card_arrival"}
    session = body["session_id"]
    second = client.post("/v1/chat", json={"session_id": session, "message": "/card_arrival"})
    assert second.json()["sources"] == [{
        "kind": "faq", "faq_id": "card-arrival", "question": "My card is late, what do I do?",
        "category": "cards", "score": None, "passage_id": None, "document": None,
        "file": None, "url": None, "section": None, "page": None, "quote": None,
    }]
    assert second.json()["session_id"] == session


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"message": ""}, 422, "message is empty; type a question"),
        ({"message": "x" * 5000}, 422,
         "message is too long (5000 characters; the limit is 2000)"),
        ({"message": "a\u0007b"}, 422, "message contains control characters; send plain text"),
        ({"message": 5}, 422, "body.message: Input should be a valid string"),
        ({}, 422, "body.message: Field required"),
        ({"message": "hi", "session_id": "no spaces"}, 422,
         "session id must be 1-64 characters of letters, digits, '_', '-', '.' or ':'"),
    ],
)
def test_bad_requests_get_clear_4xx(
    client: TestClient, body: dict[str, object], status: int, message: str
) -> None:
    response = client.post("/v1/chat", json=body)
    assert response.status_code == status
    assert response.json()["error"]["message"] == message


def test_invalid_utf8_and_malformed_json(client: TestClient, tiny_assistant) -> None:
    headers = {"content-type": "application/json"}
    bad_bytes = client.post("/v1/chat", content=b'{"message": "\xff\xfe"}', headers=headers)
    assert bad_bytes.status_code == 400
    assert bad_bytes.json() == {"error": {"type": "HTTPError",
                                          "message": "request body is not valid JSON in UTF-8"}}
    broken = client.post("/v1/chat", content=b'{"message": ', headers=headers)
    assert broken.status_code == 422
    assert broken.json() == {"error": {"type": "InvalidRequest",
                                       "message": "body.12: JSON decode error"}}
    store = tiny_assistant.store
    assert store._sessions == {}  # nothing was stored for either request


def test_health_readiness_openapi_and_chat_page(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "version": "0.1.0"}
    assert client.get("/readyz").json() == {
        "ready": True, "model": True, "index": True, "database": True,
        "model_kind": "finetuned-cosine-v2", "training": None,
        "languages": ["en"], "pending_languages": [],
    }
    spec = client.get("/openapi.json").json()
    assert "/v1/chat" in spec["paths"]
    assert "BotResponse" in spec["components"]["schemas"]
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
