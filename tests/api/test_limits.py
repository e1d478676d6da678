"""Shared limits (bot/limits.py): the token bucket in-process and in Redis, the client address
behind proxies, per-key limits over two replicas, and the admin sign-in throttle."""

from __future__ import annotations

import functools
import logging
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.requests import Request

from bot import limits
from bot.api.app import create_app
from bot.api.auth import Authenticator
from bot.limits import (
    LoginPolicy,
    LoginThrottle,
    MemoryFailures,
    MemoryLimiter,
    RedisFailures,
    RedisLimiter,
    client_ip,
    make_limiter,
    make_login_throttle,
)
from bot.runtime import Runtime

REDIS_URL = "redis://127.0.0.1:6379/0"
DEV_KEY = {"Authorization": "Bearer teller-dev-key"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own in the local Redis; its keys are deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    prefix = f"teller:limit:test-{uuid.uuid4().hex}:"
    yield prefix
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


# --- the token bucket ---------------------------------------------------------------------

def test_the_in_process_bucket_allows_the_limit_then_says_how_long_to_wait() -> None:
    clock = Clock()
    limiter = MemoryLimiter(clock=clock)
    assert [limiter.take("k", 3) for _ in range(3)] == [None, None, None]
    assert limiter.take("k", 3) == 20  # one token every 20 s at 3 a minute
    assert limiter.take("other", 3) is None  # per key
    clock.now += 20
    assert limiter.take("k", 3) is None
    assert limiter.take("k", 3) == 20


def test_the_in_process_bucket_forgets_idle_keys() -> None:
    clock = Clock()
    limiter = MemoryLimiter(clock=clock, max_keys=10)
    for n in range(50):
        limiter.take(f"ip-{n}", 5)
        clock.now += 61  # every earlier bucket is full again, the same as absent
    assert len(limiter) <= 10


def test_the_redis_bucket_allows_the_limit_then_says_how_long_to_wait(redis_prefix: str) -> None:
    limiter = RedisLimiter(redis.Redis.from_url(REDIS_URL), prefix=redis_prefix)
    assert [limiter.take("k", 3) for _ in range(3)] == [None, None, None]
    wait = limiter.take("k", 3)
    assert wait is not None and 1 <= wait <= 20
    assert limiter.take("other", 3) is None
    ttl = redis.Redis.from_url(REDIS_URL).pttl(f"{redis_prefix}k")
    assert 0 < ttl <= 60_000  # a full bucket is the same as none: the key expires


def test_make_limiter_picks_the_backend_from_the_settings(tiny_settings) -> None:
    assert isinstance(make_limiter(tiny_settings), MemoryLimiter)
    shared = make_limiter(tiny_settings.model_copy(update={"redis_url": REDIS_URL}))
    assert isinstance(shared, RedisLimiter)
    assert shared.prefix == "teller:limit:"


def test_when_redis_is_unreachable_the_process_limits_and_logs_once(
        caplog: pytest.LogCaptureFixture) -> None:
    down = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2,
                                socket_timeout=0.2)
    limiter = RedisLimiter(down, prefix="teller:limit:down:")
    with caplog.at_level(logging.ERROR, logger="teller.limits"):
        results = [limiter.take("k", 2) for _ in range(4)]
    assert results[:2] == [None, None]  # neither refused for nothing ...
    assert results[2] is not None and results[3] is not None  # ... nor let through
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "Redis" in errors[0].getMessage() and "in-process" in errors[0].getMessage()


# --- per-key API limits across replicas ---------------------------------------------------

def test_two_replicas_on_one_redis_give_a_key_one_limit_in_total(
        tiny_settings, tiny_assistant, redis_prefix: str) -> None:
    settings = tiny_settings.model_copy(update={"redis_url": REDIS_URL,
                                                "rate_limit_per_minute": 3})
    replicas = []
    for _ in range(2):
        app = create_app(Runtime(settings, tiny_assistant), with_ui=False)
        app.state.authenticator = Authenticator(
            settings, None, limiter=make_limiter(settings, prefix=redis_prefix))
        replicas.append(TestClient(app, headers=DEV_KEY))
    first, second = replicas
    assert [first.post("/v1/chat", json={"message": "hello"}).status_code
            for _ in range(3)] == [200, 200, 200]
    refused = second.post("/v1/chat", json={"message": "hello"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]["type"] == "RateLimited"


def test_replicas_without_redis_count_on_their_own(tiny_settings, tiny_assistant) -> None:
    settings = tiny_settings.model_copy(update={"rate_limit_per_minute": 1})
    first, second = (TestClient(create_app(Runtime(settings, tiny_assistant), with_ui=False),
                                headers=DEV_KEY) for _ in range(2))
    assert first.post("/v1/chat", json={"message": "hello"}).status_code == 200
    assert first.post("/v1/chat", json={"message": "hello"}).status_code == 429
    assert second.post("/v1/chat", json={"message": "hello"}).status_code == 200


# --- the client address -------------------------------------------------------------------

def scope(peer: str | None, *forwarded: str) -> dict[str, object]:
    return {"type": "http", "method": "GET", "path": "/", "query_string": b"",
            "client": (peer, 5000) if peer else None,
            "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded]}


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), [
    ("192.0.2.1", [], [], "192.0.2.1"),
    ("192.0.2.1", ["198.51.100.7"], [], "192.0.2.1"),  # nobody trusted: header ignored
    ("192.0.2.1", ["198.51.100.7"], ["10.0.0.0/8"], "192.0.2.1"),  # untrusted peer
    ("10.0.0.5", ["198.51.100.7"], ["10.0.0.0/8"], "198.51.100.7"),
    ("10.0.0.5", ["198.51.100.7"], ["10.0.0.5"], "198.51.100.7"),  # a bare address
    # the client may send its own header: only what trusted proxies appended counts
    ("10.0.0.5", ["1.2.3.4, 198.51.100.7"], ["10.0.0.0/8"], "198.51.100.7"),
    ("10.0.0.5", ["1.2.3.4, 198.51.100.7, 10.0.0.9"], ["10.0.0.0/8"], "198.51.100.7"),
    ("10.0.0.5", ["1.2.3.4", "198.51.100.7"], ["10.0.0.0/8"], "198.51.100.7"),  # two headers
    ("10.0.0.5", ["10.0.0.8, 10.0.0.9"], ["10.0.0.0/8"], "10.0.0.8"),  # all proxies
    ("10.0.0.5", [], ["10.0.0.0/8"], "10.0.0.5"),
    ("10.0.0.5", ["not-an-ip"], ["10.0.0.0/8"], "10.0.0.5"),  # garbage: stop at the proxy
    ("10.0.0.5", ["1.2.3.4, garbage, 198.51.100.7"], ["10.0.0.0/8"], "198.51.100.7"),
    ("::1", ["2001:db8::7"], ["::1"], "2001:db8::7"),
    ("fd00::2", ["[2001:db8::8]:4711"], ["fd00::/8"], "2001:db8::8"),
    ("10.0.0.5", ["198.51.100.7:4711"], ["10.0.0.0/8"], "198.51.100.7"),
    (None, ["198.51.100.7"], ["10.0.0.0/8"], "unknown"),
    ("testclient", ["198.51.100.7"], ["10.0.0.0/8"], "testclient"),
])
def test_client_ip(peer: str | None, forwarded: list[str], trusted: list[str],
                   expected: str) -> None:
    connection = scope(peer, *forwarded)
    assert client_ip(connection, trusted) == expected
    assert client_ip(Request(connection), trusted) == expected


# --- the admin sign-in throttle -----------------------------------------------------------

POLICY = LoginPolicy(failures_allowed=3, window_seconds=900, first_wait_seconds=60,
                     max_wait_seconds=3600)


def test_sign_in_waits_after_the_allowed_failures_and_doubles_to_an_hour() -> None:
    clock = Clock()
    throttle = LoginThrottle(MemoryFailures(clock=clock), POLICY)
    for _ in range(2):
        throttle.failed("192.0.2.1", "admin")
        assert throttle.wait_seconds("192.0.2.1", "admin") is None
    throttle.failed("192.0.2.1", "admin")
    assert throttle.wait_seconds("192.0.2.1", "admin") == 60
    waits: list[int | None] = []
    wait: int | None = 60
    for _ in range(8):
        clock.now += wait or 0
        assert throttle.wait_seconds("192.0.2.1", "admin") is None
        throttle.failed("192.0.2.1", "admin")
        wait = throttle.wait_seconds("192.0.2.1", "admin")
        waits.append(wait)
    assert waits == [120, 240, 480, 960, 1920, 3600, 3600, 3600]


def test_the_account_and_the_client_are_counted_each_on_their_own() -> None:
    throttle = LoginThrottle(MemoryFailures(clock=Clock()), POLICY)
    for n in range(3):  # one account guessed from three addresses
        throttle.failed(f"198.51.100.{n}", "admin")
    assert throttle.wait_seconds("203.0.113.1", "admin") == 60  # the account waits
    assert throttle.wait_seconds("198.51.100.0", "someone") is None  # that client may not
    for name in ("a", "b", "c"):  # one client guessing three accounts
        throttle.failed("203.0.113.9", name)
    assert throttle.wait_seconds("203.0.113.9", "d") == 60


def test_a_success_resets_the_account_and_the_client() -> None:
    throttle = LoginThrottle(MemoryFailures(clock=Clock()), POLICY)
    for _ in range(2):
        throttle.failed("192.0.2.1", "admin")
    throttle.succeeded("192.0.2.1", "admin")
    for _ in range(2):
        throttle.failed("192.0.2.1", "admin")
    assert throttle.wait_seconds("192.0.2.1", "admin") is None


def test_failures_are_forgotten_after_fifteen_quiet_minutes() -> None:
    clock = Clock()
    throttle = LoginThrottle(MemoryFailures(clock=clock), POLICY)
    for _ in range(2):
        throttle.failed("192.0.2.1", "admin")
    clock.now += 901
    throttle.failed("192.0.2.1", "admin")
    assert throttle.wait_seconds("192.0.2.1", "admin") is None


def test_the_redis_throttle_is_shared_and_doubles(redis_prefix: str) -> None:
    policy = LoginPolicy(failures_allowed=2, window_seconds=900, first_wait_seconds=1,
                         max_wait_seconds=3600)
    client = redis.Redis.from_url(REDIS_URL)
    replica_a = LoginThrottle(RedisFailures(client, prefix=redis_prefix), policy)
    replica_b = LoginThrottle(RedisFailures(client, prefix=redis_prefix), policy)
    replica_a.failed("192.0.2.1", "admin")
    assert replica_b.wait_seconds("192.0.2.1", "admin") is None
    replica_b.failed("192.0.2.2", "admin")
    assert replica_a.wait_seconds("203.0.113.1", "admin") == 1  # the account, from anywhere
    time.sleep(1.1)
    assert replica_a.wait_seconds("203.0.113.1", "admin") is None
    replica_a.failed("192.0.2.3", "admin")
    assert replica_b.wait_seconds("192.0.2.9", "admin") == 2
    replica_b.succeeded("192.0.2.3", "admin")
    assert replica_a.wait_seconds("192.0.2.3", "admin") is None
    assert all(key.decode().startswith(redis_prefix) for key in client.scan_iter(
        match=f"{redis_prefix}*"))


def test_make_login_throttle_reads_the_settings(tiny_settings) -> None:
    throttle = make_login_throttle(tiny_settings.model_copy(
        update={"admin_login_failures_allowed": 2}))
    throttle.failed("192.0.2.1", "admin")
    assert throttle.wait_seconds("192.0.2.1", "admin") is None
    throttle.failed("192.0.2.1", "admin")
    assert throttle.wait_seconds("192.0.2.1", "admin") == 60


PASSWORD = "correct horse battery staple"


# --- the real admin sign-in, two replicas on one Redis ------------------------------------

def test_admin_sign_in_failures_on_one_replica_lock_the_account_on_the_other(
        tiny_settings, tiny_assistant, redis_prefix: str, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(limits, "make_login_throttle",
                        functools.partial(make_login_throttle, prefix=redis_prefix))
    settings = tiny_settings.model_copy(update={
        "admin_password": SecretStr(PASSWORD), "admin_login_failures_allowed": 2,
        "redis_url": REDIS_URL})
    base = "https://bank.example"
    replicas = [TestClient(create_app(Runtime(settings, tiny_assistant), with_ui=True),
                           base_url=base, client=(f"192.0.2.{70 + n}", 1))
                for n in range(2)]

    def sign_in(client: TestClient, password: str) -> int:
        return client.post("/admin/login", data={"username": "admin", "password": password},
                           headers={"Origin": base}, follow_redirects=False).status_code

    with caplog.at_level(logging.WARNING, logger="teller.security"):
        assert [sign_in(replicas[0], "guess-1"), sign_in(replicas[0], "guess-2")] == [400, 400]
        assert sign_in(replicas[1], PASSWORD) == 429  # another replica, another address
    assert any("192.0.2.70" in r.getMessage() and "'admin'" in r.getMessage()
               for r in caplog.records if "failed admin sign-in" in r.getMessage())
    assert not any("guess-" in r.getMessage() for r in caplog.records)
