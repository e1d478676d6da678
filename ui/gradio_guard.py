"""What Teller puts in front of its Gradio apps (the chat at `/`, the admin at `/admin`):

- an unknown function (`fn_index`, or an API name in `/call/NAME`, `/run/NAME`) gets a 404
  before Gradio looks it up (Gradio answers those with a 500);
- Gradio's error bodies are replaced by a short one of Teller's: its validation errors echo
  the request back, and a 5xx must not show internals;
- deep links are off: Gradio writes a session's components (the unmasked chat history) to a
  temporary folder when asked for one, and Teller offers none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import gradio as gr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NAMED_CALL = re.compile(r"^/gradio_api/(?:call|run|api)/([^/]+)/?$")
JSON_CALLS = ("/gradio_api/queue/join", "/gradio_api/run/predict")
MAX_BODY = 1 << 20  # the app's own body limit (BodySizeLimit) is smaller; this is a backstop
MESSAGES = {
    400: "the request does not match the page's API",
    401: "sign in first",
    403: "not allowed",
    404: "not found",
    413: "the request is too large",
    422: "the request does not match the page's API",
    429: "too many requests; wait a moment",
}


@dataclass(frozen=True)
class GradioFunctions:
    """The ids and API names of one Gradio app's event handlers."""

    ids: frozenset[int]
    names: frozenset[str]

    @classmethod
    def of(cls, blocks: gr.Blocks) -> GradioFunctions:
        return cls(frozenset(blocks.fns),
                   frozenset(fn.api_name for fn in blocks.fns.values()
                             if isinstance(fn.api_name, str)))

    def knows(self, body: object) -> bool:
        if not isinstance(body, dict) or "fn_index" not in body:
            return True  # Gradio's own validation answers (with a 422, cleaned below)
        index = body["fn_index"]
        return not isinstance(index, int) or isinstance(index, bool) or index in self.ids


class GradioGuard:
    """ASGI middleware; `mounts` maps each Gradio app's path prefix ("" for the root) to its
    functions."""

    def __init__(self, app: ASGIApp, mounts: Mapping[str, GradioFunctions]) -> None:
        self.app = app
        self.mounts = sorted(mounts.items(), key=lambda item: len(item[0]), reverse=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        mounted = self._mount_of(path)
        if mounted is None:
            await self.app(scope, receive, send)
            return
        local, functions = mounted
        if not local.startswith("/gradio_api/"):
            await self.app(scope, receive, send)
            return
        if local.rstrip("/") == "/gradio_api/deep_link":
            await error(send, 404, "deep links are off")
            return
        if scope["method"] == "POST":
            name = NAMED_CALL.match(local)
            if name and name.group(1) != "predict" and name.group(1) not in functions.names:
                await error(send, 404, "the page has no such function")
                return
            if local.rstrip("/") in JSON_CALLS:
                body = await read_body(receive)
                try:
                    parsed = json.loads(body) if body else None
                except ValueError:
                    parsed = None
                if not functions.knows(parsed):
                    await error(send, 404, "the page has no such function")
                    return
                receive = replay(body)
        await self.app(scope, receive, clean_errors(send))

    def _mount_of(self, path: str) -> tuple[str, GradioFunctions] | None:
        for prefix, functions in self.mounts:
            if not prefix:
                return path, functions
            if path == prefix or path.startswith(prefix + "/"):
                return path[len(prefix):] or "/", functions
        return None


async def read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return receive


def clean_errors(send: Send) -> Send:
    """Replace the body of an error response by Teller's short message for its status."""
    replacing = False

    async def filtered(message: Message) -> None:
        nonlocal replacing
        if message["type"] == "http.response.start" and message["status"] >= 400:
            replacing = True
            status = message["status"]
            kept = [(k, v) for k, v in message.get("headers", [])
                    if k.lower() in (b"retry-after", b"www-authenticate")]
            body = error_body(status)
            await send({"type": "http.response.start", "status": status,
                        "headers": [*kept, (b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        if replacing:
            return  # the original body is dropped
        await send(message)
    return filtered


def error_body(status: int, text: str | None = None) -> bytes:
    message = text or MESSAGES.get(status, "the request failed; try again later")
    kind = "ServerError" if status >= 500 else "InvalidRequest"
    return json.dumps({"error": {"type": kind, "message": message}}).encode()


async def error(send: Send, status: int, text: str) -> None:
    body = error_body(status, text)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
