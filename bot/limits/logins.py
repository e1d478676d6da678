"""Failed admin sign-ins, counted per client address and per account, in this process or in
Redis; after the allowed number a wait that doubles with each further failure."""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import redis

from bot.config import Settings
from bot.limits.buckets import MAX_KEYS, PREFIX, Clock, RedisFallback, redis_client
from bot.limits.clients import address_group

security_log = logging.getLogger("teller.security")

@dataclass(frozen=True)
class LoginPolicy:
    """`failures_allowed` failures less than `window_seconds` apart, then a wait of
    `first_wait_seconds`, doubled by each further failure up to `max_wait_seconds`."""

    failures_allowed: int = 5
    window_seconds: int = 15 * 60
    first_wait_seconds: int = 60
    max_wait_seconds: int = 3600

    def wait_after(self, failures: int) -> int:
        if failures < self.failures_allowed:
            return 0
        doublings = min(failures - self.failures_allowed, 32)
        return min(self.max_wait_seconds, self.first_wait_seconds * 2 ** doublings)


class Failures(Protocol):
    """Failure counts with a wait, per key (a client or an account)."""

    def fail(self, key: str, policy: LoginPolicy) -> int:
        """Count one failure; the wait it starts in seconds (0: none)."""

    def wait(self, keys: list[str]) -> int:
        """The longest wait still running for any of `keys`, in seconds (0: none)."""

    def reset(self, keys: list[str]) -> None: ...


class MemoryFailures:
    """The failure counts of this process: key -> (failures, forgotten at, locked until)."""

    def __init__(self, clock: Clock = time.monotonic, max_keys: int = MAX_KEYS) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._entries: dict[str, tuple[int, float, float]] = {}
        self._guard = threading.Lock()
        self._next_prune = 0.0

    def fail(self, key: str, policy: LoginPolicy) -> int:
        now = self._clock()
        with self._guard:
            if len(self._entries) >= self._max_keys and now >= self._next_prune:
                self._entries = {k: e for k, e in self._entries.items() if e[1] > now}
                self._next_prune = now + 1.0
            count, forget_at, _ = self._entries.get(key, (0, 0.0, 0.0))
            count = count + 1 if forget_at > now else 1
            wait = policy.wait_after(count)
            self._entries[key] = (count, now + wait + policy.window_seconds, now + wait)
            return wait

    def wait(self, keys: list[str]) -> int:
        now = self._clock()
        with self._guard:
            until = max((self._entries[k][2] for k in keys if k in self._entries), default=0)
        return max(0, math.ceil(until - now))

    def reset(self, keys: list[str]) -> None:
        with self._guard:
            for key in keys:
                self._entries.pop(key, None)


# KEYS[1]: the count; ARGV: failures allowed, window, first wait, longest wait (ms).
# Returns the wait this failure starts, in ms.
RECORD_FAILURE = """
local allowed, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local first, longest = tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local count = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local wait = 0
if count >= allowed then
  wait = math.min(longest, first * 2 ^ math.min(count - allowed, 32))
  redis.call('HSET', KEYS[1], 'until', string.format('%d', now + wait))
end
redis.call('PEXPIRE', KEYS[1], window + wait)
return wait
"""
# KEYS: the counts. Returns the longest wait still running, in ms.
LONGEST_WAIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local longest = 0
for _, key in ipairs(KEYS) do
  local locked = tonumber(redis.call('HGET', key, 'until') or '0')
  if locked - now > longest then longest = locked - now end
end
return longest
"""


class RedisFailures:
    """Failure counts in Redis under `prefix`, shared by every replica."""

    def __init__(self, client: redis.Redis, prefix: str = PREFIX) -> None:
        self.prefix = prefix
        self._client = client
        self._record = client.register_script(RECORD_FAILURE)
        self._longest = client.register_script(LONGEST_WAIT)
        self._fallback = MemoryFailures()
        self._guard = RedisFallback("failed admin sign-ins")

    def fail(self, key: str, policy: LoginPolicy) -> int:
        args = [policy.failures_allowed, policy.window_seconds * 1000,
                policy.first_wait_seconds * 1000, policy.max_wait_seconds * 1000]
        return self._guard.run(
            lambda: math.ceil(int(self._record(keys=[self.prefix + key], args=args)) / 1000),
            lambda: self._fallback.fail(key, policy))

    def wait(self, keys: list[str]) -> int:
        return self._guard.run(
            lambda: math.ceil(int(self._longest(keys=[self.prefix + k for k in keys])) / 1000),
            lambda: self._fallback.wait(keys))

    def reset(self, keys: list[str]) -> None:
        self._guard.run(lambda: self._client.delete(*[self.prefix + k for k in keys]),
                        lambda: self._fallback.reset(keys))


class LoginThrottle:
    """Failed sign-ins per client address and per account (`ui.admin_auth.LoginThrottle`)."""

    def __init__(self, failures: Failures, policy: LoginPolicy) -> None:
        self.failures = failures
        self.policy = policy

    @staticmethod
    def _keys(client: str, username: str) -> list[str]:
        account = hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()[:32]
        return [f"login:client:{address_group(client)}", f"login:account:{account}"]

    def wait_seconds(self, client: str, username: str) -> int | None:
        """Seconds until this client or account may try again; None when it may now."""
        return self.failures.wait(self._keys(client, username)) or None

    def failed(self, client: str, username: str) -> None:
        waits = [self.failures.fail(key, self.policy) for key in self._keys(client, username)]
        if max(waits) > 0:
            security_log.warning("admin sign-in locked for %d s after repeated failures "
                                 "(account %r, client %s)", max(waits), username, client)

    def succeeded(self, client: str, username: str) -> None:
        self.failures.reset(self._keys(client, username))


def make_login_throttle(settings: Settings, prefix: str = PREFIX) -> LoginThrottle:
    """In Redis when `settings.redis_url` is set, else in this process."""
    policy = LoginPolicy(failures_allowed=settings.admin_login_failures_allowed)
    failures: Failures = (RedisFailures(redis_client(settings.redis_url), prefix)
                          if settings.redis_url else MemoryFailures())
    return LoginThrottle(failures, policy)

