"""The API over a real database, once on SQLite and once on PostgreSQL (`database_url`)."""

import logging
from collections.abc import Iterator

import pytest

from bot.logs import setup_logging
from tests.api.harness import Api, build_api


@pytest.fixture
def api(database_url, tiny_settings, tiny_kb, encoder) -> Api:
    return build_api(database_url, tiny_settings, tiny_kb, encoder)


@pytest.fixture
def json_logs() -> Iterator[None]:
    """The server's JSON log lines on stderr (read them with capfd); handlers restored after."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    setup_logging("json")
    yield
    root.handlers[:] = saved
    root.setLevel(level)
