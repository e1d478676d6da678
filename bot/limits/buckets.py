"""Token buckets: `limit` requests a minute per key, bursts up to `limit`; in this process or
in Redis (one Lua script per request, so all replicas on one Redis share one budget), and the
fallback to this process while Redis cannot be reached."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Protocol, TypeVar

import redis

from bot.config import Settings
from bot.errors import ConfigurationError

log = logging.getLogger("teller.limits")

PREFIX = "teller:limit:"
REDIS_TIMEOUT_SECONDS = 0.5  # an unreachable Redis must not stall requests
RETRY_REDIS_SECONDS = 5.0  # after a failure, requests use the fallback this long
LOG_EVERY_SECONDS = 60.0
MAX_KEYS = 100_000  # in-process entries kept before idle ones are dropped

T = TypeVar("T")
Clock = Callable[[], float]


class Limiter(Protocol):
    def take(self, key: str, limit_per_minute: int) -> int | None:
        """Take one request's token; None when allowed, else whole seconds to wait."""


class MemoryLimiter:
    """The token buckets of this process. A bucket idle for a minute is full again, the same
    as no bucket, so idle ones are dropped when more than `max_keys` are held."""

    def __init__(self, clock: Clock = time.monotonic, max_keys: int = MAX_KEYS) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._guard = threading.Lock()
        self._next_prune = 0.0  # at most once a second: many live keys must not cost O(n)

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str, limit_per_minute: int) -> int | None:
        rate = limit_per_minute / 60.0
        now = self._clock()
        with self._guard:
            if len(self._buckets) >= self._max_keys and now >= self._next_prune:
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
                self._next_prune = now + 1.0
            tokens, last = self._buckets.get(key, (float(limit_per_minute), now))
            tokens = min(float(limit_per_minute), tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return None
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / rate))


# KEYS[1]: the bucket; ARGV[1]: the limit a minute. Returns 0 when allowed, else the wait in
# ms. Redis's clock, so replicas with skewed clocks agree.
TOKEN_BUCKET = """
local limit = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = limit / 60000
local tokens = limit
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
if state[1] then
  tokens = math.min(limit, tonumber(state[1]) + math.max(0, now - tonumber(state[2])) * rate)
end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', string.format('%d', now))
redis.call('PEXPIRE', KEYS[1], 60000)
return wait
"""


class RedisFallback:
    """Runs an operation on Redis, or on the in-process fallback while Redis fails."""

    def __init__(self, what: str, clock: Clock = time.monotonic) -> None:
        self.what = what
        self._clock = clock
        self._retry_at = 0.0
        self._log_at = 0.0

    def run(self, remote: Callable[[], T], local: Callable[[], T]) -> T:
        now = self._clock()
        if now >= self._retry_at:
            try:
                return remote()
            except redis.RedisError as exc:
                self._retry_at = now + RETRY_REDIS_SECONDS
                if now >= self._log_at:
                    self._log_at = now + LOG_EVERY_SECONDS
                    log.error("Redis is unreachable (%s): %s counted in-process on each "
                              "replica until it is back; check TELLER_REDIS_URL and the "
                              "Redis server", exc, self.what)
        return local()


class RedisLimiter:
    """Token buckets in Redis under `prefix`, shared by every replica on the same Redis."""

    def __init__(self, client: redis.Redis, prefix: str = PREFIX) -> None:
        self.prefix = prefix
        self._script = client.register_script(TOKEN_BUCKET)
        self._fallback = MemoryLimiter()
        self._guard = RedisFallback("rate limits")

    def take(self, key: str, limit_per_minute: int) -> int | None:
        def remote() -> int | None:
            wait_ms = int(self._script(keys=[self.prefix + key], args=[limit_per_minute]))
            return max(1, math.ceil(wait_ms / 1000)) if wait_ms > 0 else None

        return self._guard.run(remote, lambda: self._fallback.take(key, limit_per_minute))


@lru_cache(maxsize=8)
def redis_client(url: str) -> redis.Redis:
    """One client (a thread-safe connection pool) per Redis URL, with short timeouts."""
    try:
        return redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                    socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
    except ValueError as exc:
        raise ConfigurationError(f"TELLER_REDIS_URL {url!r} is not a Redis URL ({exc}); use "
                                 "redis://HOST:PORT/DB or leave it empty") from exc


def make_limiter(settings: Settings, prefix: str = PREFIX) -> Limiter:
    """Redis when `settings.redis_url` is set, else this process."""
    if settings.redis_url:
        return RedisLimiter(redis_client(settings.redis_url), prefix)
    return MemoryLimiter()

