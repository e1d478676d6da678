"""Load test of the HTTP API: many concurrent sessions over loopback, each posting messages
to `/v1/sessions/{id}/messages`.

Open loop by default (like wrk2): messages are due at a fixed total rate, spread over the
sessions; a session sends its next message when it is due and its previous reply is back, and
latency is counted from when the message was due, so a slow server cannot hide queueing
delay (no coordinated omission). `--closed` instead sends as fast as replies come back, to
find the most the server can do.

    python benchmarks/load.py [--rate 100] [--sessions 50] [--duration 60] [--closed]
        [--url http://HOST:PORT --key KEY] [--data-dir DIR] [--json OUT.json]
        [--replicas 2 --database-url postgresql://... --redis-url redis://...]

Without --url it starts `teller serve` on a free port with TELLER_DATA_DIR (default .teller;
models are built there first if missing) and a SQLite database in a temporary folder (or
--database-url), and stops it afterwards. Messages are BANKING77 test questions (or the
KB's examples). With --replicas N it starts N servers on the one database (and Redis, for
the shared limits) and sends each session's messages to the replicas in turn, as a balancer
without sticky sessions would.
A run in which requests failed keeps the started servers' logs and prints where.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_setup import DEFAULT_DATA, percentile


@dataclass
class LoadResult:
    mode: str
    sessions: int
    offered_rate: float | None
    duration_s: float
    messages: int
    errors: int
    error_kinds: dict[str, int]
    throughput_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_s: float | None
    replicas: int
    machine: str


def load_messages(path: Path) -> list[str]:
    if path.is_file():
        with open(path, encoding="utf-8") as handle:
            return [row["text"] for row in csv.DictReader(handle)]
    from bot.kb import load_knowledge_base
    from knowledge_base import DEFAULT_KB_DIR

    kb = load_knowledge_base(DEFAULT_KB_DIR)
    return [e for intent in kb.intents.values() for e in intent.examples]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, database: Path, database_url: str | None,
                 redis_url: str = "", replica: int = 0) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TELLER_DATA_DIR": str(data_dir),
           "TELLER_DATABASE_URL": database_url or f"sqlite:///{database}",
           "TELLER_MODEL_RELOAD_SECONDS": "0", "TELLER_REDIS_URL": redis_url,
           "TELLER_RATE_LIMIT_PER_MINUTE": "1000000", "TELLER_LOG_FORMAT": "json"}
    log_path = database.parent / f"server-{replica}.log"
    log = open(log_path, "w")  # noqa: SIM115 - lives as long as the server
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900  # first start may train the model
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited; see {log_path}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        time.sleep(1)
    process.kill()
    raise SystemExit("server not ready after 15 minutes")


def process_cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


async def run_load(bases: list[str], key: str, messages: list[str], sessions: int,
                   duration: float, rate: float | None
                   ) -> tuple[list[float], dict[str, int], float]:
    headers = {"Authorization": f"Bearer {key}"}
    stride = max(1, len(messages) // sessions)
    limits = httpx.Limits(max_connections=sessions + 10, max_keepalive_connections=sessions + 10)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    clients = [httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30)
               for base in bases]
    async with contextlib.AsyncExitStack() as stack:
        for client in clients:
            await stack.enter_async_context(client)
        ids = []
        for number in range(sessions):
            created = await clients[number % len(clients)].post("/v1/sessions", json={})
            created.raise_for_status()
            ids.append(created.json()["session_id"])
        started = time.perf_counter()
        end = started + duration

        async def session(number: int) -> None:
            turn = 0
            while True:
                due = (started + (number + turn * sessions) / rate) if rate else time.perf_counter()
                if due >= end:
                    return
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                # Each session reads its own stretch of the messages, so that, until they
                # run out, no two requests send the same text (a repeat is read from the
                # models' caches and would flatter the figure).
                text = messages[(number * stride + turn) % len(messages)]
                client = clients[(number + turn) % len(clients)]  # replicas in turn
                try:
                    reply = await client.post(f"/v1/sessions/{ids[number]}/messages",
                                              json={"message": text})
                    if reply.status_code != 200:
                        errors[str(reply.status_code)] = errors.get(str(reply.status_code), 0) + 1
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                latencies.append((time.perf_counter() - due) * 1000)
                turn += 1

        await asyncio.gather(*(session(n) for n in range(sessions)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="A running server; else one is started")
    parser.add_argument("--key", default="teller-dev-key", help="API key for --url")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get(
        "TELLER_DATA_DIR", ".teller")))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--database-url", default=None,
                        help="For the started server (default: SQLite in a temporary folder)")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--rate", type=float, default=100.0, help="Messages/s offered")
    parser.add_argument("--closed", action="store_true", help="Closed loop: as fast as possible")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0, help="Seconds of load not counted")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--replicas", type=int, default=1,
                        help="Servers started on the one database (use PostgreSQL for > 1)")
    parser.add_argument("--redis-url", default="", help="Shared limits for the started servers")
    args = parser.parse_args()

    messages = load_messages(args.data)
    servers: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="teller-load-") as folder:
        try:
            if args.url:
                bases = [args.url.rstrip("/")]
            else:
                bases = []
                for replica in range(args.replicas):
                    server, base = start_server(args.data_dir, Path(folder) / "teller.db",
                                                args.database_url, args.redis_url, replica)
                    servers.append(server)
                    bases.append(base)
            rate = None if args.closed else args.rate
            if args.warmup > 0:
                # texts of their own, so that the measured ones are not read from a cache
                warmup = [f"{text} (warm-up)" for text in messages]
                asyncio.run(run_load(bases, args.key, warmup, args.sessions, args.warmup, rate))
            cpu_before = [process_cpu_seconds(s.pid) for s in servers]
            latencies, errors, elapsed = asyncio.run(
                run_load(bases, args.key, messages, args.sessions, args.duration, rate))
            cpu_after = [process_cpu_seconds(s.pid) for s in servers]
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)
        failed = sum(errors.values())
        if failed and servers:  # keep what the servers logged about them
            kept = Path(tempfile.mkdtemp(prefix="teller-load-errors-"))
            for log in Path(folder).glob("server-*.log"):
                shutil.copy(log, kept / log.name)
            print(f"{failed} requests failed ({errors}); the servers' logs are kept in {kept}",
                  file=sys.stderr)
    cpu_used = None
    if servers and None not in cpu_before and None not in cpu_after:
        cpu_used = sum(after - before  # type: ignore[operator]
                       for before, after in zip(cpu_before, cpu_after, strict=True))
    result = LoadResult(
        mode="closed" if args.closed else "open", sessions=args.sessions,
        offered_rate=None if args.closed else args.rate, duration_s=round(elapsed, 2),
        messages=len(latencies), errors=sum(errors.values()), error_kinds=errors,
        throughput_per_s=round(len(latencies) / elapsed, 1),
        p50_ms=round(percentile(latencies, 50), 1), p95_ms=round(percentile(latencies, 95), 1),
        p99_ms=round(percentile(latencies, 99), 1), max_ms=round(max(latencies), 1),
        server_cpu_s=round(cpu_used, 1) if cpu_used is not None else None,
        replicas=len(servers) or 1,
        machine=f"{platform.machine()}, {os.cpu_count()} CPUs",
    )
    print(json.dumps(asdict(result), indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(result), indent=2) + "\n")
    return 0 if result.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
