"""Limits shared by every replica: request rates, failed admin sign-ins, and who the client is.

- `Limiter`: a token bucket per key (`limit` requests a minute, bursts up to `limit`), in this
  process (`MemoryLimiter`) or in Redis (`RedisLimiter`, one Lua script per request, so all
  replicas on one Redis share one budget). `make_limiter(settings)` picks by
  `TELLER_REDIS_URL`.
- `LoginThrottle`: failed sign-ins counted per client address and per account; after the
  allowed number a wait that doubles with each further failure (`make_login_throttle`).
- `client_ip`: the client's address; X-Forwarded-For counts only from a trusted proxy.

When Redis cannot be reached, each call falls back to the in-process store and an error is
logged once a minute: refusing every request would turn a Redis outage into an outage of the
assistant, and letting every request through would drop the protection exactly when it may be
under attack. In-process limits still hold each replica to the limit (N replicas: N times it).
"""

from bot.limits.buckets import (
    PREFIX,
    Limiter,
    MemoryLimiter,
    RedisFallback,
    RedisLimiter,
    make_limiter,
    redis_client,
)
from bot.limits.clients import ClientLimit, address_group, client_ip, trusted_networks
from bot.limits.logins import (
    Failures,
    LoginPolicy,
    LoginThrottle,
    MemoryFailures,
    RedisFailures,
    make_login_throttle,
)

__all__ = [
    "PREFIX", "ClientLimit", "Failures", "Limiter", "LoginPolicy", "LoginThrottle",
    "MemoryFailures", "MemoryLimiter", "RedisFailures", "RedisFallback", "RedisLimiter",
    "address_group", "client_ip", "make_limiter", "make_login_throttle", "redis_client",
    "trusted_networks",
]
