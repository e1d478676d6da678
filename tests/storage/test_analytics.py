"""The admin dashboard's figures, from real stored conversations (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage.analytics import dashboard
from tests.api.harness import build_api


def test_dashboard_counts_conversations_containment_fallbacks_and_feedback(
    database_url, tiny_settings, tiny_kb, encoder
) -> None:
    api = build_api(database_url, tiny_settings, tiny_kb, encoder)
    key = api.key()
    happy, unhappy = api.new_session(key), api.new_session(key)
    api.say(key, happy, "hello")
    api.say(key, happy, "my card has not arrived")
    api.say(key, unhappy, "I want to talk to a person")
    api.say(key, unhappy, "what is a quasar?")
    api.client.post(f"/v1/sessions/{happy}/feedback", json={"turn": 2, "rating": "up"},
                    headers=key)
    figures = dashboard(api.store.engine)
    assert figures.conversations == 2 and figures.turns == 4
    assert figures.conversations_per_day == [(datetime.now(UTC).date(), 2)]
    assert figures.containment == 0.5  # one of two conversations needed a person
    assert figures.fallback_rate == 0.25  # the out-of-scope question
    assert dict(figures.top_intents)["card_arrival"] == 1
    assert figures.feedback == {"up": 1}
    api.store.engine.dispose()
