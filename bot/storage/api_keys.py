"""API keys: `tk_<id>_<secret>`. Only the SHA-256 of the secret is stored; the full key is
shown once, when it is created."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.storage.models import ApiKeyRow

KEY_PATTERN = re.compile(r"^tk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    rate_limit_per_minute: int
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _key(row: ApiKeyRow) -> ApiKey:
    def utc(moment: datetime | None) -> datetime | None:
        return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment

    return ApiKey(row.id, row.name, row.rate_limit_per_minute,
                  utc(row.created_at) or datetime.now(UTC), utc(row.revoked_at))


class ApiKeyStore:
    """Create, list, revoke and check keys. A checked key is remembered for `cache_seconds`
    so that a request does not cost a database round trip; a revocation therefore takes
    effect on every replica within that time."""

    def __init__(self, engine: Engine, cache_seconds: float = 5.0) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}
        self._guard = threading.Lock()

    def create(self, name: str, rate_limit_per_minute: int) -> tuple[ApiKey, str]:
        """Returns the key's record and the full key (shown once, never stored)."""
        name = name.strip()
        if not name or len(name) > 100:
            raise ValueError("a key needs a name of 1-100 characters (who or what uses it)")
        if rate_limit_per_minute < 1:
            raise ValueError("the rate limit must be at least 1 message per minute")
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        row = ApiKeyRow(id=key_id, name=name, secret_sha256=_hash(secret),
                        rate_limit_per_minute=rate_limit_per_minute,
                        created_at=datetime.now(UTC), revoked_at=None)
        with self._sessions.begin() as db:
            db.add(row)
        return _key(row), f"tk_{key_id}_{secret}"

    def list(self) -> list[ApiKey]:
        with self._sessions() as db:
            return [_key(r) for r in db.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at))]

    def revoke(self, key_id: str) -> ApiKey | None:
        with self._sessions.begin() as db:
            row = db.get(ApiKeyRow, key_id)
            if row is None:
                return None
            if row.revoked_at is None:
                row.revoked_at = datetime.now(UTC)
            key = _key(row)
        with self._guard:
            self._cache.clear()
        return key

    def authenticate(self, token: str) -> ApiKey | None:
        """The active key this token is, or None (malformed, unknown, wrong secret, revoked)."""
        match = KEY_PATTERN.match(token)
        if match is None:
            return None
        now = time.monotonic()
        digest = _hash(token)
        with self._guard:
            cached = self._cache.get(digest)
        if cached is not None and now - cached[0] < self._cache_seconds:
            return cached[1]
        key_id, secret = match.groups()
        with self._sessions() as db:
            row = db.get(ApiKeyRow, key_id)
            ok = row is not None and hmac.compare_digest(row.secret_sha256, _hash(secret))
            key = _key(row) if row is not None and ok and row.revoked_at is None else None
        with self._guard:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (now, key)
        return key
