"""The web chat limits each client address (TELLER_ANONYMOUS_RATE_LIMIT_PER_MINUTE): a
message over the limit gets a polite answer in the chat and stores nothing. Driven through
Gradio's own HTTP queue, as a browser sends it, from a chosen client address."""

from __future__ import annotations

import html
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.config import Settings
from bot.kb import KnowledgeBase
from bot.nlu.encoder import SentenceEncoder
from bot.pipeline import Assistant, build_components
from bot.runtime import Runtime
from bot.storage.sessions import SqlSessionStore
from ui.chat import build_chat_ui

SLOW_DOWN = "You're sending messages faster than I can answer; please wait"


class Chat:
    """One browser tab of the chat: its Gradio session and the state it sends back."""

    def __init__(self, client: TestClient, demo: gr.Blocks,
                 headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers or {}
        self.session_hash = uuid.uuid4().hex
        self.fn_index = next(index for index, fn in demo.fns.items() if fn.name == "typed")
        self.history: list[Any] = []

    def say(self, message: str) -> list[Any]:
        """Sends `message` as typed; returns the outputs (history, box, buttons...). The
        session id and turn map are Gradio state, kept on the server per tab."""
        joined = self.client.post("/gradio_api/queue/join", headers=self.headers, json={
            "fn_index": self.fn_index, "session_hash": self.session_hash,
            "data": [message, self.history, None, {}, None]})
        assert joined.status_code == 200, joined.text
        with self.client.stream("GET", "/gradio_api/queue/data",
                                params={"session_hash": self.session_hash}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])
                if event.get("msg") == "process_completed":
                    assert event["success"], event
                    outputs: list[Any] = event["output"]["data"]
                if event.get("msg") == "close_stream":
                    break
        self.history = outputs[0]
        return outputs

    def last(self) -> str:
        """The text of the last message shown."""
        return html.unescape(str(self.history[-1]["content"]))


@dataclass
class ChatApp:
    demo: gr.Blocks
    app: FastAPI
    store: SqlSessionStore

    def counts(self) -> tuple[int, ...]:
        """Stored sessions and turns."""
        with self.store.engine.connect() as connection:
            return tuple(connection.execute(sa.text(f"SELECT count(*) FROM {table}"))
                         .scalar_one() for table in ("sessions", "turns"))


@pytest.fixture
def chat_app(tiny_settings: Settings, tiny_kb: KnowledgeBase, encoder: SentenceEncoder,
             tmp_path: Path, request: pytest.FixtureRequest) -> ChatApp:
    overrides = getattr(request, "param", {})
    settings = tiny_settings.model_copy(update={"anonymous_rate_limit_per_minute": 2,
                                                **overrides})
    store = SqlSessionStore(f"sqlite:///{tmp_path / 'teller.db'}")
    assistant = Assistant(build_components(settings, kb=tiny_kb, encoder=encoder, store=store),
                          settings)
    demo = build_chat_ui(Runtime(settings, assistant))
    return ChatApp(demo, gr.mount_gradio_app(FastAPI(), demo, path="/"), store)


def test_over_the_limit_the_chat_answers_politely_and_stores_nothing(chat_app: ChatApp
                                                                      ) -> None:
    with TestClient(chat_app.app, client=("192.0.2.50", 4000)) as client:
        chat = Chat(client, chat_app.demo)
        chat.say("hello")
        chat.say("/card_arrival")
        assert chat_app.counts() == (1, 2)
        outputs = chat.say("what is my IBAN?")
        assert chat.history[-1]["role"] == "assistant"
        assert SLOW_DOWN in chat.last() and "seconds." in chat.last()
        assert "IBAN" not in str(chat.history)  # not shown as sent ...
        assert outputs[5]["value"] == "what is my IBAN?"  # ... but kept in the box to resend
        assert chat_app.counts() == (1, 2)  # no turn stored
        fresh = Chat(client, chat_app.demo)  # a new tab: refused before a session exists
        fresh.say("hello")
        assert SLOW_DOWN in fresh.last()
        assert chat_app.counts() == (1, 2)
    with TestClient(chat_app.app, client=("192.0.2.51", 4000)) as other:
        Chat(other, chat_app.demo).say("hello")  # another customer: a budget of their own
        assert chat_app.counts() == (2, 3)


@pytest.mark.parametrize("chat_app", [{"trusted_proxies": ["10.0.0.0/8"]}], indirect=True)
def test_behind_a_trusted_proxy_each_forwarded_client_is_limited(chat_app: ChatApp) -> None:
    demo = chat_app.demo
    with TestClient(chat_app.app, client=("10.0.0.3", 4000)) as proxy:
        alice = Chat(proxy, demo, {"X-Forwarded-For": "198.51.100.21"})
        bob = Chat(proxy, demo, {"X-Forwarded-For": "198.51.100.22"})
        for _ in range(2):
            alice.say("hello")
            bob.say("hello")
        assert SLOW_DOWN not in str(alice.history) + str(bob.history)
        alice.say("hello")
        assert SLOW_DOWN in alice.last()
    with TestClient(chat_app.app, client=("192.0.2.60", 4000)) as untrusted:
        for n in range(2):  # a forged header from an untrusted peer changes nothing
            Chat(untrusted, demo, {"X-Forwarded-For": f"203.0.113.{n}"}).say("hello")
        spoofer = Chat(untrusted, demo, {"X-Forwarded-For": "203.0.113.99"})
        spoofer.say("hello")
        assert SLOW_DOWN in spoofer.last()
