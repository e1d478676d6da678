"""Who is calling: API keys sent as `Authorization: Bearer tk_...` with a per-key rate limit,
and, on the channels without a key, the client address with a per-address limit. Both are
counted in `bot.limits` (in Redis when configured, so all replicas share one budget).

A caller's key id owns the sessions it creates; every other key gets 404 for them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import Request

from bot.config import Settings
from bot.errors import RateLimited, Unauthorized
from bot.limits import ClientLimit, Limiter, make_limiter, trusted_networks
from bot.storage.api_keys import ApiKeyStore

log = logging.getLogger(__name__)

DEV_KEY_OWNER = "dev"


@dataclass(frozen=True)
class Caller:
    key_id: str
    name: str
    rate_limit_per_minute: int


class Authenticator:
    def __init__(self, settings: Settings, keys: ApiKeyStore | None,
                 limiter: Limiter | None = None) -> None:
        self.keys = keys
        self.settings = settings
        self.limiter = limiter if limiter is not None else make_limiter(settings)
        trusted_networks(settings.trusted_proxies)  # a bad entry fails at start
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
        wait = self.limiter.take(f"key:{caller.key_id}", caller.rate_limit_per_minute)
        if wait is not None:
            raise RateLimited(wait)
        request.state.key_id = caller.key_id
        return caller

    def anonymous(self, request: Request, channel: str) -> None:
        """On a channel without API key: 429 when this client address is over the channel's
        per-address limit (TELLER_ANONYMOUS_RATE_LIMIT_PER_MINUTE)."""
        limit = ClientLimit.of(self.settings, self.limiter, channel)
        wait = limit.wait(request.scope)
        if wait is not None:
            raise RateLimited(wait, "this client address")
