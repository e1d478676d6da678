"""A private, trained tiny-KB deployment per test: KB copy, data dir, SQLite database,
fast embedding-head model and a frozen held-out file of tiny-KB intents."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.config import Settings
from bot.kb import KnowledgeBase, load_knowledge_base
from bot.nlu.encoder import SentenceEncoder
from training.prepare import prepare_models

# Held-out messages in words the tiny KB's examples do not use (5 per intent).
HOLDOUT = {
    "greet": ["hello there friend", "hi, good afternoon", "hey how are you", "morning!",
              "greetings"],
    "goodbye": ["ok bye now", "see ya", "goodbye and thanks", "I'm off, bye", "farewell"],
    "human_handoff": ["can I talk to someone real", "put me through to an agent",
                      "I need a human being", "speak with a staff member",
                      "get me a real person"],
    "restart": ["let's begin from the start", "reset everything", "start the chat again",
                "wipe this conversation", "from the top please"],
    "card_arrival": ["my new card hasn't been delivered", "when will my card arrive",
                     "the card still isn't in the post", "waiting ages for my card",
                     "card delivery is late"],
    "lost_or_stolen_card": ["I think my card was stolen", "I have lost my bank card",
                            "my purse with my card got taken", "I can't find my card",
                            "someone took my debit card"],
}


def settings_for(tmp_path: Path, kb_dir: Path, **overrides: object) -> Settings:
    holdout = tmp_path / "holdout.csv"
    with open(holdout, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        writer.writerows((text, intent) for intent, texts in HOLDOUT.items() for text in texts)
    values: dict[str, object] = {
        "kb_dir": kb_dir, "data_dir": tmp_path / "data", "device": "cpu",
        "intent_model": "embedding-head", "retrain_holdout_data": holdout,
        "retrain_min_intent_examples": 5, "model_reload_seconds": 0,
        "database_url": f"sqlite:///{tmp_path / 'teller.db'}",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def deployment(tmp_path: Path, tiny_kb_dir: Path, encoder: SentenceEncoder,
               ) -> tuple[Settings, KnowledgeBase]:
    """Settings and KB of a tiny deployment whose serving model is already trained."""
    settings = settings_for(tmp_path, tiny_kb_dir)
    kb = load_knowledge_base(tiny_kb_dir)
    prepare_models(settings, kb, encoder, show_progress=False)
    return settings, kb
