"""Who the client is (its address, X-Forwarded-For only from trusted proxies) and the
per-address limit of the channels without an API key."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.config import Settings
from bot.errors import ConfigurationError
from bot.limits.buckets import Limiter

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(trusted: Iterable[str]) -> tuple[Network, ...]:
    """TELLER_TRUSTED_PROXIES parsed; ConfigurationError naming a bad entry."""
    return _networks(tuple(trusted))


@lru_cache(maxsize=32)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted)
    except ValueError as exc:
        raise ConfigurationError(f"TELLER_TRUSTED_PROXIES: {exc}; give addresses or "
                                 "networks such as 10.0.0.0/8") from exc


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as proxies write it: bare, `1.2.3.4:port` or `[v6]:port`; else None."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:1.2.3.4 is 1.2.3.4
    return address


def client_ip(connection: Any, trusted_proxies: Iterable[str]) -> str:
    """The client's address: the connecting peer's, or, when the peer is a trusted proxy,
    the rightmost X-Forwarded-For address that is not a trusted proxy (the addresses left of
    it may be forged by the client). Takes an ASGI scope, a Starlette request or a
    `gr.Request`; "unknown" without a peer."""
    inner = getattr(connection, "request", None)  # gr.Request wraps the Starlette request
    connection = inner if inner is not None else connection
    if isinstance(connection, Mapping):
        peer = (connection.get("client") or (None,))[0]
        forwarded = [v.decode("latin-1") for k, v in connection.get("headers", [])
                     if k.lower() == b"x-forwarded-for"]
    else:  # a gr.Request built from plain values
        peer = getattr(getattr(connection, "client", None), "host", None)
        header = getattr(connection, "headers", {}).get("x-forwarded-for")
        forwarded = [header] if header else []
    if not peer:
        return "unknown"
    networks = trusted_networks(trusted_proxies)
    current = _address(peer)
    if current is None or not any(current in net for net in networks):
        return str(current) if current is not None else str(peer)
    hops = [hop for header in forwarded for hop in header.split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # the chain is broken here: nothing further left can be trusted
        current = address
        if not any(address in net for net in networks):
            break
    return str(current)


def address_group(ip: str) -> str:
    """What one client's limit is counted on: its IPv4 address, or its IPv6 /64 (one
    customer's network, where a new address costs nothing)."""
    address = _address(ip)
    if address is None:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


@dataclass(frozen=True)
class ClientLimit:
    """Messages a minute per client address on one channel without an API key."""

    limiter: Limiter
    per_minute: int
    trusted_proxies: tuple[str, ...]
    channel: str

    @classmethod
    def of(cls, settings: Settings, limiter: Limiter, channel: str) -> ClientLimit:
        return cls(limiter, settings.anonymous_rate_limit_per_minute,
                   tuple(settings.trusted_proxies), channel)

    def wait(self, connection: Any) -> int | None:
        """None when this client may send now, else seconds to wait."""
        ip = client_ip(connection, self.trusted_proxies)
        return self.limiter.take(f"client:{self.channel}:{address_group(ip)}", self.per_minute)

