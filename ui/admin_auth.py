"""Who may use the admin pages, and from where.

Teller signs the bank team in itself instead of using Gradio's login, because Gradio's
sign-in page embeds the admin API's schema (FAQ ids, intents) before anyone signs in, keeps
its tokens in one process (a second replica would not know them) and sets its cookie with
`SameSite=None`. Here:

- `AdminSessions`: signed, expiring session cookies. The signing key is derived with scrypt
  from the admin password, so every replica with the same settings accepts the same cookie,
  changing the password signs everyone out, and a stolen cookie does not make the password
  cheap to guess offline.
- `AdminGuard`: ASGI middleware in front of everything under `/admin`. A request from another
  web origin that could change something (a POST, a preflight) is refused with 403, CORS
  headers are never granted to other origins, and without a valid session a page request is
  sent to the sign-in page and an API request gets 401 (the Gradio app behind it sees only
  signed-in users).
- `admin_routes`: the sign-in page, sign-in (throttled, failures logged) and sign-out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Protocol
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("teller.security")

COOKIE = "teller_admin"
SESSION_SECONDS = 8 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD"})


class AdminSessions:
    """Issues and checks the admin session cookie: `payload.signature`, where the payload
    names the user and the expiry time (base64 JSON) and the signature is an HMAC-SHA256."""

    def __init__(self, username: str, password: str, *,
                 lifetime_seconds: int = SESSION_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.username = username
        self._password = password.encode()
        self._key = hashlib.scrypt(self._password, salt=b"teller-admin:" + username.encode(),
                                   n=2**14, r=8, p=1, dklen=32)
        self.lifetime_seconds = lifetime_seconds
        self._clock = clock

    def credentials_match(self, username: str, password: str) -> bool:
        # Both compared in constant time, whatever the first comparison says.
        user_ok = hmac.compare_digest(username.encode(), self.username.encode())
        password_ok = hmac.compare_digest(password.encode(), self._password)
        return user_ok and password_ok

    def issue(self) -> str:
        payload = json.dumps({"u": self.username, "exp": int(self._clock()) + self.lifetime_seconds,
                              "n": secrets.token_urlsafe(8)}, separators=(",", ":"))
        encoded = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
        return f"{encoded}.{self._sign(encoded)}"

    def user(self, cookie: str | None) -> str | None:
        """The signed-in user the cookie names, or None (missing, forged or expired)."""
        if not cookie or cookie.count(".") != 1:
            return None
        encoded, signature = cookie.split(".")
        if not hmac.compare_digest(signature, self._sign(encoded)):
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
        except ValueError:
            return None
        if not isinstance(payload, dict) or payload.get("u") != self.username:
            return None
        expires = payload.get("exp")
        if not isinstance(expires, int) or expires < self._clock():
            return None
        return self.username

    def _sign(self, encoded: str) -> str:
        digest = hmac.new(self._key, encoded.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class AllowedOrigins:
    """The web origins that may drive the admin pages: the page's own host, and the origins
    the bank configured (TELLER_CORS_ORIGINS)."""

    configured: frozenset[str]

    @classmethod
    def of(cls, origins: Iterable[str]) -> AllowedOrigins:
        return cls(frozenset(o.rstrip("/").lower() for o in origins))

    def allows(self, origin: str, headers: Headers) -> bool:
        origin = origin.rstrip("/").lower()
        if origin in self.configured:
            return True
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False  # "null" (sandboxed frames, file://) and garbage
        host = headers.get("host", "").lower()
        return bool(host) and parts.netloc == host


class AdminGuard:
    """Cross-site and sign-in checks for every request under `prefix` (see the module)."""

    def __init__(self, app: ASGIApp, sessions: AdminSessions, origins: AllowedOrigins,
                 prefix: str = "/admin", open_paths: Iterable[str] = ("/login", "/logout"),
                 ) -> None:
        self.app = app
        self.sessions = sessions
        self.origins = origins
        self.prefix = prefix
        self.open_paths = {prefix + p for p in open_paths}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = _local_path(scope)
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        method = scope["method"]
        foreign = self._foreign_origin(headers)
        if foreign is not None and (method not in SAFE_METHODS or method == "OPTIONS"):
            log.warning("refused a cross-site %s %s from %s", method, path, foreign)
            await _plain(send, 403, "cross-site request refused: the admin pages take changes "
                         "only from their own pages")
            return
        if path not in self.open_paths and path != self.prefix:
            user = self.sessions.user(_cookie(headers, COOKIE))
            if user is None:
                await self._sign_in_first(scope, headers, send)
                return
        await self.app(scope, receive, _without_cors(send))

    def _foreign_origin(self, headers: Headers) -> str | None:
        """The caller's origin when a browser says it is another site's page, else None. A
        request with neither Origin nor Referer does not come from a web page."""
        origin = headers.get("origin")
        if origin is None and headers.get("referer"):
            parts = urlsplit(headers["referer"])
            origin = f"{parts.scheme}://{parts.netloc}"
        if origin is None or self.origins.allows(origin, headers):
            return None
        return origin

    async def _sign_in_first(self, scope: Scope, headers: Headers, send: Send) -> None:
        if scope["method"] == "GET" and "text/html" in headers.get("accept", ""):
            root = scope.get("root_path", "")
            await send({"type": "http.response.start", "status": 303,
                        "headers": [(b"location", f"{root}{self.prefix}/login".encode()),
                                    (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await _plain(send, 401, "sign in to the admin pages first")


def _local_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def _cookie(headers: Headers, name: str) -> str | None:
    for header in headers.getlist("cookie"):
        for part in header.split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
    return None


def _without_cors(send: Send) -> Send:
    """Drop any Access-Control-* header the app behind sets (Gradio grants credentialed CORS
    to any origin when the host name is not localhost)."""
    async def filtered(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [(k, v) for k, v in message.get("headers", [])
                                  if not k.lower().startswith(b"access-control-")]
        await send(message)
    return filtered


async def _plain(send: Send, status: int, text: str) -> None:
    body = json.dumps({"error": {"type": "Forbidden" if status == 403 else "Unauthorized",
                                 "message": text}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


SIGN_IN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", sans-serif;
       background: #f6f7f9; margin: 0; display: grid; place-items: center; min-height: 100vh; }}
main {{ background: #fff; padding: 2rem 2.5rem; border-radius: 12px; width: min(22rem, 90vw);
       box-shadow: 0 2px 12px #0002; }}
h1 {{ font-size: 1.2rem; margin: 0 0 1.2rem; }}
label {{ display: block; margin: .8rem 0 .3rem; font-size: .95rem; }}
input {{ width: 100%; box-sizing: border-box; padding: .55rem; font-size: 1rem;
        border: 1px solid #999; border-radius: 6px; }}
input:focus {{ outline: 2px solid {color}; border-color: {color}; }}
button {{ margin-top: 1.2rem; width: 100%; padding: .6rem; font-size: 1rem; border: 0;
         border-radius: 6px; color: #fff; background: {color}; cursor: pointer; }}
[role=alert] {{ color: #a4262c; margin-top: 1rem; }}
</style></head>
<body><main>
<h1>{title}</h1>
<form method="post" action="login">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Login</button>
</form>
{alert}
</main></body></html>"""


class LoginThrottle(Protocol):
    """What `admin_routes` asks before and after a sign-in attempt (`bot.limits`)."""

    def wait_seconds(self, client: str, username: str) -> int | None:
        """Seconds until this client or account may try again; None when it may now."""

    def failed(self, client: str, username: str) -> None: ...

    def succeeded(self, client: str, username: str) -> None: ...


def admin_routes(sessions: AdminSessions, throttle: LoginThrottle,
                 client_of: Callable[[Request], str], title: str, color: str,
                 secure_cookie: bool, prefix: str = "/admin") -> APIRouter:
    """GET/POST `{prefix}/login` and POST `{prefix}/logout`; include before the admin mount
    so they answer instead of Gradio's own login route."""
    router = APIRouter(prefix=prefix, include_in_schema=False)

    def page(alert: str = "", status: int = 200, headers: dict[str, str] | None = None
             ) -> HTMLResponse:
        shown = f'<div role="alert">{html.escape(alert)}</div>' if alert else ""
        return HTMLResponse(SIGN_IN_PAGE.format(title=html.escape(title), color=color,
                                                alert=shown),
                            status_code=status, headers=headers)

    @router.get("/login")
    def sign_in_page(request: Request) -> Response:
        if sessions.user(request.cookies.get(COOKIE)) is not None:
            return RedirectResponse(f"{request.scope.get('root_path', '')}{prefix}/",
                                    status_code=303)
        return page()

    @router.post("/login")
    def sign_in(request: Request, username: Annotated[str, Form(max_length=200)] = "",
                password: Annotated[str, Form(max_length=1000)] = "") -> Response:
        client = client_of(request)
        username = username.strip()
        wait = throttle.wait_seconds(client, username)
        if wait is not None:
            log.warning("admin sign-in refused for %r from %s: too many failures, %d s to wait",
                        username, client, wait)
            return page(f"Too many failed sign-ins. Try again in {wait} seconds.", 429,
                        {"Retry-After": str(wait)})
        if not sessions.credentials_match(username, password):
            throttle.failed(client, username)
            log.warning("failed admin sign-in for %r from %s", username, client)
            return page("Incorrect username or password.", 400)
        throttle.succeeded(client, username)
        log.info("admin %r signed in from %s", username, client)
        response = RedirectResponse(f"{request.scope.get('root_path', '')}{prefix}/",
                                    status_code=303)
        response.set_cookie(COOKIE, sessions.issue(), max_age=sessions.lifetime_seconds,
                            path=prefix, httponly=True, samesite="strict",
                            secure=secure_cookie or request.url.scheme == "https")
        return response

    @router.post("/logout")
    def sign_out(request: Request) -> Response:
        response = RedirectResponse(f"{request.scope.get('root_path', '')}{prefix}/login",
                                    status_code=303)
        response.delete_cookie(COOKIE, path=prefix)
        return response

    return router
