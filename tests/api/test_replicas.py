"""Two real `teller serve` processes sharing one PostgreSQL database: concurrent clients write
into overlapping sessions through both, and every turn is stored exactly once, in order."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.conftest import POSTGRES_URL, TINY_KB
from tests.servers import free_port, postgres_schema, wait_ready

CLIENTS, MESSAGES, SESSIONS = 20, 20, 5
DEV_KEY = {"Authorization": "Bearer teller-dev-key"}


@pytest.fixture
def database() -> Iterator[str]:
    with postgres_schema(POSTGRES_URL, "teller_replicas") as url:
        yield url


def start_replica(port: int, data_dir: Path, database_url: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TELLER_KB_DIR": str(TINY_KB),
           "TELLER_DATA_DIR": str(data_dir), "TELLER_INTENT_MODEL": "embedding-head",
           "TELLER_DEVICE": "cpu", "TELLER_DATABASE_URL": database_url,
           "TELLER_MODEL_RELOAD_SECONDS": "0", "TELLER_RATE_LIMIT_PER_MINUTE": "10000"}
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )


def test_two_replicas_store_every_turn_once_and_in_order(
    tiny_head_settings, database: str, tmp_path: Path
) -> None:
    url = database
    ports = [free_port(), free_port()]
    logs = [tmp_path / f"replica{i}.log" for i in range(2)]
    replicas = [start_replica(p, tiny_head_settings.data_dir, url, log)
                for p, log in zip(ports, logs, strict=True)]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        for base, process, log in zip(bases, replicas, logs, strict=True):
            wait_ready(base, process, log)
        sessions = [httpx.post(f"{bases[0]}/v1/sessions", headers=DEV_KEY, json={})
                    .json()["session_id"] for _ in range(SESSIONS)]

        def client(number: int) -> list[int]:
            statuses = []
            with httpx.Client(headers=DEV_KEY, timeout=60) as http:
                for index in range(MESSAGES):
                    session = sessions[(number + index) % SESSIONS]
                    response = http.post(
                        f"{bases[(number + index) % 2]}/v1/sessions/{session}/messages",
                        json={"message": f"my card has not arrived c{number} m{index}"})
                    statuses.append(response.status_code)
            return statuses

        with ThreadPoolExecutor(CLIENTS) as pool:
            statuses = [s for result in pool.map(client, range(CLIENTS)) for s in result]
    finally:
        for process in replicas:
            process.terminate()
        for process in replicas:
            process.wait(timeout=30)
    assert statuses == [200] * (CLIENTS * MESSAGES)

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT session_id, seq, user_text FROM turns ORDER BY session_id, seq")).all()
        counts: dict[str, int] = dict(connection.execute(sa.text(
            "SELECT id, (state->>'turn_count')::int FROM sessions")).all())
    engine.dispose()
    texts = [row.user_text for row in rows]
    assert len(texts) == CLIENTS * MESSAGES == len(set(texts))  # none lost, none twice
    for session in sessions:
        seqs = [row.seq for row in rows if row.session_id == session]
        assert seqs == list(range(1, len(seqs) + 1))  # no gap, no duplicate
        assert counts[session] == len(seqs)
        for number in range(CLIENTS):  # each client's messages in the order it sent them
            mine = [int(row.user_text.rsplit("m", 1)[1]) for row in rows
                    if row.session_id == session and f" c{number} " in row.user_text]
            assert mine == sorted(mine)
