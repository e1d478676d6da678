"""An API over a real SQL database (SQLite or PostgreSQL) with the tiny KB's trained model."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from fastapi.testclient import TestClient

from bot.api.app import create_app
from bot.config import Settings
from bot.kb import KnowledgeBase
from bot.nlu.encoder import SentenceEncoder
from bot.pipeline import Assistant, build_components
from bot.runtime import Runtime
from bot.storage.api_keys import ApiKeyStore
from bot.storage.sessions import SqlSessionStore

TABLES = ("sessions", "turns", "feedback", "review_items", "api_keys", "log_examples",
          "log_example_sessions")
WIDGET_ORIGIN = "https://www.example-bank.test"


@dataclass
class Api:
    client: TestClient
    store: SqlSessionStore
    keys: ApiKeyStore

    def key(self, name: str = "app", rate_limit: int = 1000) -> dict[str, str]:
        """Create a key; returns the headers that send it."""
        _, secret = self.keys.create(name, rate_limit)
        return {"Authorization": f"Bearer {secret}"}

    def counts(self) -> dict[str, int]:
        with self.store.engine.connect() as connection:
            return {t: connection.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in TABLES}

    def dump(self) -> str:
        """Every stored value of every table, as one string (to look for leaked data)."""
        with self.store.engine.connect() as connection:
            rows = [str(tuple(row)) for t in TABLES
                    for row in connection.execute(sa.text(f"SELECT * FROM {t}"))]
        return "\n".join(rows)

    def new_session(self, headers: dict[str, str], **body: object) -> str:
        response = self.client.post("/v1/sessions", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return str(response.json()["session_id"])

    def say(self, headers: dict[str, str], session_id: str, message: str) -> dict[str, object]:
        response = self.client.post(f"/v1/sessions/{session_id}/messages",
                                    json={"message": message}, headers=headers)
        assert response.status_code == 200, response.text
        return dict(response.json())


def build_api(url: str, settings: Settings, kb: KnowledgeBase, encoder: SentenceEncoder,
              **overrides: object) -> Api:
    settings = settings.model_copy(update={"cors_origins": [WIDGET_ORIGIN], **overrides})
    store = SqlSessionStore(url)
    assistant = Assistant(build_components(settings, kb=kb, encoder=encoder, store=store),
                          settings)
    assistant.warm_up()
    app = create_app(Runtime(settings, assistant), with_ui=False)
    keys = app.state.authenticator.keys
    return Api(TestClient(app), store, keys)
