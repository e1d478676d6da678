"""The runtime object: one door per channel that counts every reply the same way, and a
readiness check that reports each part on its own."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bot.api.app import create_app
from bot.api.auth import Caller
from bot.api.deps import get_caller
from bot.config import Settings
from bot.kb import KnowledgeBase
from bot.nlu.encoder import SentenceEncoder
from bot.pipeline import Assistant
from bot.runtime import Runtime, build_runtime


def channel_count(runtime: Runtime, channel: str) -> float:
    value = runtime.metrics.registry.get_sample_value("teller_channel_messages_total",
                                                      {"channel": channel})
    return value or 0.0


def test_every_channel_counts_its_replies(tiny_settings: Settings,
                                          tiny_assistant: Assistant) -> None:
    runtime = Runtime(tiny_settings, tiny_assistant)
    client = TestClient(create_app(runtime), headers={"Authorization": "Bearer teller-dev-key"})
    assert client.post("/v1/chat", json={"message": "hello"}).status_code == 200
    webhook = client.post("/webhooks/rest/webhook", json={"sender": "s1", "message": "hello"})
    assert webhook.status_code == 200
    runtime.channel("web-chat").handle("hello", "web-1", owner="channel:web")
    runtime.channel("cli").handle("thanks")
    assert {name: channel_count(runtime, name) for name in ("api", "rasa-rest", "web-chat",
                                                             "cli")} == {
        "api": 1.0, "rasa-rest": 1.0, "web-chat": 1.0, "cli": 1.0}
    text = client.get("/metrics").text
    assert 'teller_channel_messages_total{channel="web-chat"} 1.0' in text
    assert 'teller_replies_total{action="answer_intent"}' in text


def test_readiness_reports_each_part(tiny_settings: Settings, tiny_kb: KnowledgeBase,
                                     encoder: SentenceEncoder) -> None:
    runtime = build_runtime(tiny_settings, in_memory=True, kb=tiny_kb, encoder=encoder)
    client = TestClient(create_app(runtime, with_ui=False))
    cold = client.get("/readyz")
    assert cold.status_code == 503
    assert cold.json() == {"ready": False, "model": False, "index": False, "database": True,
                           "model_kind": None, "training": None, "languages": ["en"],
                           "pending_languages": []}
    runtime.assistant.warm_up()
    runtime.assistant.faq_index._index = None  # as if the index had failed to load
    half = client.get("/readyz")
    assert half.status_code == 503
    assert half.json() == {"ready": False, "model": True, "index": False, "database": True,
                           "model_kind": "finetuned-cosine-v2", "training": None,
                           "languages": ["en"], "pending_languages": []}
    runtime.assistant.faq_index.warm_up()
    assert client.get("/readyz").json() == {"ready": True, "model": True, "index": True,
                                            "database": True,
                                            "model_kind": "finetuned-cosine-v2",
                                            "training": None, "languages": ["en"],
                                            "pending_languages": []}


def test_dependencies_can_be_overridden(tiny_settings: Settings,
                                        tiny_assistant: Assistant) -> None:
    """Tests (and a bank's own gateway) swap a dependency, e.g. the caller, in one place."""
    app = create_app(Runtime(tiny_settings, tiny_assistant), with_ui=False)
    app.dependency_overrides[get_caller] = lambda: Caller("gateway-user", "gateway", 1000)
    client = TestClient(app)  # no Authorization header at all
    reply = client.post("/v1/chat", json={"message": "hello"})
    assert reply.status_code == 200
    info = tiny_assistant.store.info(reply.json()["session_id"])
    assert info is not None and info.owner == "gateway-user"
