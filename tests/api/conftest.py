"""The API over a real database, once on SQLite and once on PostgreSQL (`database_url`)."""

import pytest

from tests.api.harness import Api, build_api


@pytest.fixture
def api(database_url, tiny_settings, tiny_kb, encoder) -> Api:  # type: ignore[no-untyped-def]
    return build_api(database_url, tiny_settings, tiny_kb, encoder)
