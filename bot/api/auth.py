"""Who is calling: API keys sent as `Authorization: Bearer tk_...`, and a per-key rate limit.

A caller's key id owns the sessions it creates; every other key gets 404 for them.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from bot.config import Settings
from bot.errors import RateLimited, Unauthorized
from bot.storage.api_keys import ApiKeyStore

log = logging.getLogger(__name__)

DEV_KEY_OWNER = "dev"


@dataclass(frozen=True)
class Caller:
    key_id: str
    name: str
    rate_limit_per_minute: int


class RateLimiter:
    """A token bucket per key: `limit` requests a minute, bursts up to `limit`. Counted in
    this process, so with N replicas behind a balancer a key gets up to N times the limit."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._guard = threading.Lock()

    def take(self, key_id: str, limit_per_minute: int) -> int | None:
        """Take one request's token; None when allowed, else seconds until one is free."""
        rate = limit_per_minute / 60.0
        now = self._clock()
        with self._guard:
            tokens, last = self._buckets.get(key_id, (float(limit_per_minute), now))
            tokens = min(float(limit_per_minute), tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[key_id] = (tokens - 1.0, now)
                return None
            self._buckets[key_id] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / rate))


class Authenticator:
    def __init__(self, settings: Settings, keys: ApiKeyStore | None) -> None:
        self.keys = keys
        self.limiter = RateLimiter()
        self.dev_key = settings.dev_api_key if settings.environment == "development" else ""
        self.default_limit = settings.rate_limit_per_minute
        if self.dev_key:
            log.warning(
                "development mode: the API accepts the default key %r; set "
                "TELLER_ENVIRONMENT=production and create keys with `teller keys create`",
                self.dev_key,
            )

    def caller(self, authorization: str | None) -> Caller:
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("send an API key as 'Authorization: Bearer <key>' "
                               "(create one with `teller keys create NAME`)")
        if self.dev_key and token == self.dev_key:
            return Caller(DEV_KEY_OWNER, "development key", self.default_limit)
        key = self.keys.authenticate(token) if self.keys is not None else None
        if key is None:
            raise Unauthorized("this API key is unknown or revoked")
        return Caller(key.id, key.name, key.rate_limit_per_minute)

    def __call__(self, request: Request) -> Caller:
        """FastAPI dependency: the authenticated caller, within its rate limit."""
        caller = self.caller(request.headers.get("authorization"))
        wait = self.limiter.take(caller.key_id, caller.rate_limit_per_minute)
        if wait is not None:
            raise RateLimited(wait)
        request.state.key_id = caller.key_id
        return caller
