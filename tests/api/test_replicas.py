"""Two real `teller serve` processes sharing one PostgreSQL database: concurrent clients write
into overlapping sessions through both, and every turn is stored exactly once, in order; an
FAQ entry saved on one replica's admin pages is answered by the other within seconds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from bot.config import DEV_ADMIN_PASSWORD
from tests.conftest import POSTGRES_URL, TINY_KB
from tests.servers import free_port, postgres_schema, wait_ready

CLIENTS, MESSAGES, SESSIONS = 20, 20, 5
DEV_KEY = {"Authorization": "Bearer teller-dev-key"}


@pytest.fixture
def database() -> Iterator[str]:
    with postgres_schema(POSTGRES_URL, "teller_replicas") as url:
        yield url


def start_replica(port: int, data_dir: Path, database_url: str, log: Path,
                  kb_dir: Path = TINY_KB) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TELLER_KB_DIR": str(kb_dir),
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


class Admin:
    """One replica's admin pages, driven over HTTP the way the browser drives them: sign in,
    then call the FAQ tab's Save button through Gradio's API."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=f"{base}/admin", timeout=60)
        signed_in = self.http.post("/login", data={"username": "admin",
                                                   "password": DEV_ADMIN_PASSWORD})
        assert signed_in.status_code == 303, signed_in.text

    def call(self, api_name: str, *data: object) -> list:
        started = self.http.post(f"/gradio_api/call/{api_name}", json={"data": list(data)})
        assert started.status_code == 200, started.text
        events = self.http.get(f"/gradio_api/call/{api_name}/{started.json()['event_id']}")
        lines = events.text.splitlines()
        assert "event: complete" in lines, events.text
        return json.loads(lines[lines.index("event: complete") + 1].removeprefix("data: "))

    def save_faq(self, entry_id: str, answer: str) -> None:
        status = self.call("save_clicked", "(new entry)", entry_id, "general", "",
                           f"What about {entry_id}?", answer)[0]
        assert f"Saved FAQ entry {entry_id}" in status, status


def faq_answer(base: str, entry_id: str) -> str:
    """What a replica answers to the FAQ entry's button payload, and the entry it cites."""
    reply = httpx.post(f"{base}/v1/chat", headers=DEV_KEY, timeout=60,
                       json={"message": f"/faq:{entry_id}"}).json()
    return f"{reply['text']} {[s['faq_id'] for s in reply['sources']]}"


def own_folders(root: Path, shared_data: Path) -> tuple[Path, Path]:
    """A replica's own KB folder (a copy of the tiny KB, as on its own machine) and data folder
    (the shared trained models, its own FAQ index)."""
    shutil.copytree(TINY_KB, root / "kb")
    (root / "data").mkdir()
    (root / "data" / "models").symlink_to(shared_data / "models")
    shutil.copytree(shared_data / "index", root / "data" / "index")
    return root / "kb", root / "data"


def test_an_faq_saved_on_one_replicas_admin_is_answered_by_the_other_within_seconds(
    tiny_head_settings, database: str, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    logs = [tmp_path / f"replica{i}.log" for i in range(2)]
    replicas = []
    for index, (port, log) in enumerate(zip(ports, logs, strict=True)):
        kb_dir, data_dir = own_folders(tmp_path / f"replica{index}", tiny_head_settings.data_dir)
        replicas.append(start_replica(port, data_dir, database, log, kb_dir))
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    answer = "Our chat team answers on Saturdays and Sundays, 9:00 to 17:00."
    try:
        for base, process, log in zip(bases, replicas, logs, strict=True):
            wait_ready(base, process, log)
        assert answer not in faq_answer(bases[1], "weekend-support")

        Admin(bases[0]).save_faq("weekend-support", answer)
        saved = time.monotonic()
        while answer not in (got := faq_answer(bases[1], "weekend-support")):
            assert time.monotonic() - saved < 20, f"replica 2 still answers {got!r}"
            time.sleep(0.1)
        took = time.monotonic() - saved
        assert faq_answer(bases[1], "weekend-support") == f"{answer} ['weekend-support']"

        # Two edits saved at the same moment, one on each replica: both survive on both.
        admins = [Admin(base) for base in bases]
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda pair: pair[0].save_faq(*pair[1]), zip(admins, [
                ("holiday-hours", "Closed on public holidays."),
                ("card-fees", "Our debit cards are free.")], strict=True)))
        saved = time.monotonic()
        expected = {"holiday-hours": "Closed on public holidays.",
                    "card-fees": "Our debit cards are free."}
        for base in bases:
            for entry_id, text in expected.items():
                while text not in faq_answer(base, entry_id):
                    assert time.monotonic() - saved < 20, f"{base} lacks {entry_id}"
                    time.sleep(0.1)
    finally:
        for process in replicas:
            process.terminate()
        for process in replicas:
            process.wait(timeout=30)
    print(f"replica 2 answered the FAQ entry saved on replica 1 after {took:.2f} s "
          "(TELLER_KB_RELOAD_SECONDS=2, the default)")
