"""ASGI middleware: request ids and request logs, metrics, and the body size limit."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.logs import request_id_var
from bot.metrics import Metrics

log = logging.getLogger("teller.request")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _error_body(kind: str, message: str) -> bytes:
    return json.dumps({"error": {"type": kind, "message": message}}).encode()


class RequestContext:
    """Gives every request an id (the caller's X-Request-ID if it is sane), echoes it in the
    response, counts API routes in the metrics and logs one line per request."""

    def __init__(self, app: ASGIApp, metrics: Metrics, frame_ancestors: list[str]) -> None:
        self.app = app
        self.metrics = metrics
        # The chat may be framed (the web widget) only by the bank's own allowed origins.
        self.security_headers = [
            (b"content-security-policy",
             " ".join(["frame-ancestors 'self'", *frame_ancestors]).encode()),
            (b"x-content-type-options", b"nosniff"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", request_id.encode()),
                                      *self.security_headers]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None)
            if path is not None:  # API routes only: the mounted UI's files are not logged
                self.metrics.observe_request(path, status)
                state: Any = scope.get("state") or {}
                log.info("%s %s %s", scope["method"], path, status, extra={
                    "method": scope["method"], "route": path, "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "key_id": state.get("key_id") if isinstance(state, dict) else None,
                })
            request_id_var.reset(token)


class BodySizeLimit:
    """413 for a body over `max_bytes`, whether it declares its length or streams it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        received = 0
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Answer now; the app sees the client gone and whatever it sends is dropped.
                    refused = True
                    await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counting_receive, guarded_send)

    async def _refuse(self, send: Send) -> None:
        body = _error_body("PayloadTooLarge",
                           f"request body is larger than {self.max_bytes} bytes")
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
