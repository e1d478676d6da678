"""What every tool shares: loading a model by spec string, loading it once, calling it over HTTP.

A bank names its model in a setting (`TELLER_CREDIT_RISK_MODEL`, `TELLER_PORTFOLIO_ADVISOR`):

- "reference": the model shipped with Teller;
- "package.module:ClassName": the bank's class, created with no arguments;
- an http(s) URL: the bank's service, called with the tool's JSON format.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from typing import Any, Final, Generic, TypeVar, cast

from bot.errors import ConfigurationError, TellerError

REFERENCE_SPEC: Final = "reference"
SPEC_FORMS: Final = "'reference', 'package.module:ClassName' or an http(s) URL"

T = TypeVar("T")


class ToolError(TellerError):
    """A tool's backing service failed or answered nonsense; the message names the service."""

    http_status = 502


class LoadOnce(Generic[T]):
    """Runs `load` on the first `get()`, once, under a lock; later calls return its result.

    A load that raises is tried again on the next call (the model may have been built since).
    """

    def __init__(self, load: Callable[[], T]) -> None:
        self._load = load
        self._value: T | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._value is not None

    def get(self) -> T:
        value = self._value
        if value is not None:
            return value
        with self._lock:
            if self._value is None:
                self._value = self._load()
            return self._value


def lazy_export(package: str, lazy: Mapping[str, str], name: str) -> Any:
    """A package's `__getattr__`: `name` from the sub-module `lazy` maps it to, imported on
    first use (so importing the package does not load torch, scipy or matplotlib)."""
    module = lazy.get(name)
    if module is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{package}.{module}"), name)


def load_plugin(
    spec: str, *, what: str, method: str, reference: Callable[[], T],
    http: Callable[[str], T], error: type[ConfigurationError] = ConfigurationError,
) -> T:
    """The model `spec` names (see the module docstring). `what` names the tool in messages
    ("credit-risk model"); `method` is the call a bank's class must have ("assess")."""
    spec = spec.strip()
    if spec == REFERENCE_SPEC:
        return reference()
    if spec.startswith(("http://", "https://")):
        return http(spec)
    module_name, colon, class_name = spec.partition(":")
    if not (colon and module_name and class_name):
        raise error(f"{what} {spec!r} should be {SPEC_FORMS}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise error(f"{what} {spec!r}: cannot import {module_name!r} ({exc}); is the package "
                    "installed?") from exc
    factory = getattr(module, class_name, None)
    if not callable(factory):
        raise error(f"{what} {spec!r}: {module_name} has no class {class_name!r}")
    try:
        model = factory()
    except Exception as exc:
        raise error(f"{what} {spec!r} could not be created with no arguments: {exc!r}") \
            from exc
    if not callable(getattr(model, method, None)):
        raise error(f"{what} {spec!r} has no {method}() method")
    return cast(T, model)


def safe_url(url: str) -> str:
    """The URL without credentials or query string, fit for messages and logs."""
    import httpx

    parsed = httpx.URL(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}{parsed.path}"


def check_service_url(url: str, timeout_seconds: float, what: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"{what} URL must start with http(s)://: {url!r}")
    if timeout_seconds <= 0:
        raise ConfigurationError(f"{what} timeout must be positive")


def post_json(url: str, body: object, timeout_seconds: float, what: str) -> object:
    """POST `body` as JSON and return the decoded JSON answer. Every failure is a `ToolError`
    naming the service `what` ("credit-risk service") at its URL without credentials."""
    import httpx  # here, not at the top: the schemas that import this module stay light

    where = safe_url(url)
    try:
        response = httpx.post(url, json=body, timeout=timeout_seconds)
    except httpx.TimeoutException as exc:
        raise ToolError(f"{what} {where} did not answer within {timeout_seconds:g} s") from exc
    except httpx.HTTPError as exc:
        raise ToolError(f"cannot reach {what} {where}: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise ToolError(f"{what} {where} answered HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError as exc:
        raise ToolError(f"{what} {where} did not answer with JSON: {exc}") from exc
