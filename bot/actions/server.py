"""`teller actions`: rasa-sdk's own action server (Sanic app) around Teller's executor.

Before rasa-sdk's webhook runs, `check_action_call` reads the call the way a Rasa server
sends it and refuses anything else with a short `{"error": ...}`: 400 for a body that is not
a JSON object, 422 for an object that is no action call (no `next_action`, no `tracker`, a
field of the wrong type, a number JSON cannot carry such as NaN or 1e400). rasa-sdk's own
catch-all handler answers 500 with the whole request body in it; `error_reply` replaces it:
the error is logged, and the reply says what was wrong without quoting the request.
"""

from __future__ import annotations

import json
import logging
import math
import zlib
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sanic import Request, Sanic
from sanic.exceptions import SanicException
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from bot.actions.runner import build_executor

if TYPE_CHECKING:
    from rasa_sdk.executor import ActionExecutor

    from bot.config import Settings
    from bot.kb import KnowledgeBase

log = logging.getLogger(__name__)

WEBHOOK = "/webhook"
# A Rasa tracker carries the conversation's events: generous, but not Sanic's 100 MB.
MAX_REQUEST_BYTES = 16 * 2**20
MAX_INFLATED_BYTES = MAX_REQUEST_BYTES  # nor may a deflated call unpack to more
MAX_PROBLEM_CHARS = 200
ROUTES_HINT = "the action server answers POST /webhook, GET /actions and GET /health"


class TrackerIn(BaseModel):
    """The parts of Rasa's tracker that rasa-sdk's `Tracker.from_dict` and Teller's actions
    read; anything else is passed on unchecked."""

    model_config = ConfigDict(extra="allow", strict=True)

    sender_id: str
    slots: dict[str, Any] = Field(default_factory=dict)
    # rasa-sdk reads it as a dict whenever the key is present: null is refused (422)
    latest_message: dict[str, Any] = Field(default_factory=dict)
    events: list[dict[str, Any]] = Field(default_factory=list)
    paused: bool = False
    followup_action: str | None = None
    active_loop: dict[str, Any] | None = None
    latest_action_name: str | None = None


class ActionCallIn(BaseModel):
    """One action call as a Rasa server posts it to `/webhook`."""

    model_config = ConfigDict(extra="allow", strict=True)

    next_action: str = Field(min_length=1, max_length=200)
    sender_id: str | None = None
    tracker: TrackerIn
    domain: dict[str, Any] | None = None
    domain_digest: str | None = None
    version: str | None = None


def refusal(status: int, message: str) -> HTTPResponse:
    """rasa-sdk's error shape, `{"error": message}`."""
    return json_response({"error": message}, status=status)


def read_body(request: Request) -> object:
    """The request's JSON, inflated first when sent with `Content-Encoding: deflate` (as
    rasa-sdk reads it). ValueError when it is not JSON."""
    if request.headers.get("Content-Encoding") == "deflate":
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(request.body, MAX_INFLATED_BYTES)
        except zlib.error as exc:
            raise ValueError("request body is not valid deflate data") from exc
        if inflater.unconsumed_tail:
            raise ValueError(f"deflated request body unpacks to more than "
                             f"{MAX_INFLATED_BYTES} bytes")
        try:
            return json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise ValueError("request body is not valid JSON") from exc
    try:
        return request.json
    except SanicException as exc:  # BadRequest: not JSON, not UTF-8, nested too deeply
        raise ValueError("request body is not valid JSON") from exc


def first_non_finite(value: object) -> str | None:
    """The path of the first number in `value` that is NaN or infinite (JSON has no such
    numbers; Python's parsers read NaN, Infinity and 1e400 as them), else None."""
    pending: list[tuple[str, object]] = [("", value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return path or "(the body)"
        if isinstance(item, dict):
            pending += [(f"{path}.{str(k)[:40]}" if path else str(k)[:40], v)
                        for k, v in item.items()]
        elif isinstance(item, list):
            pending += [(f"{path}.{i}" if path else str(i), v) for i, v in enumerate(item)]
    return None


def json_kind(value: object) -> str:
    if isinstance(value, list):
        return "a JSON array"
    if isinstance(value, str):
        return "a JSON string"
    if isinstance(value, bool) or value is None:
        return "JSON true, false or null"
    return "a JSON number"


def call_problem(call: object) -> str | None:
    """What makes `call` no action call, in a few words that quote none of its values."""
    if not isinstance(call, dict):
        return (f"request body is {json_kind(call)}, not an object; send an action call "
                "object with next_action, tracker and domain")
    try:
        ActionCallIn.model_validate(call)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
                    for err in exc.errors(include_input=False, include_url=False)]
        return "; ".join(problems)[:MAX_PROBLEM_CHARS]
    where = first_non_finite(call)
    if where is not None:
        return (f"{where}: not a finite number (NaN, Infinity or too large); send finite "
                "numbers only")[:MAX_PROBLEM_CHARS]
    return None


async def check_action_call(request: Request) -> HTTPResponse | None:
    """Request middleware: refuse a `/webhook` call rasa-sdk's handler would crash on."""
    if request.path != WEBHOOK or request.method != "POST":
        return None
    if not request.body:
        return refusal(400, "request body is empty; send an action call as a JSON object")
    try:
        call = read_body(request)
    except ValueError as exc:
        return refusal(400, f"{exc}; send an action call as a JSON object in UTF-8")
    problem = call_problem(call)
    if problem is None:
        return None
    status = 400 if not isinstance(call, dict) else 422
    log.info("refused an action call: %s", problem)
    return refusal(status, problem)


def error_reply(request: Request, exception: Exception) -> HTTPResponse:
    """Every error the routes raise: Sanic's own (404, 405, 413...) with its status, anything
    else logged and answered 500. Never the request body (rasa-sdk's handler sent it back)."""
    if isinstance(exception, SanicException):
        status = exception.status_code
        messages = {400: "request body is not valid JSON; send an action call object",
                    404: f"no such route; {ROUTES_HINT}",
                    405: f"method not allowed here; {ROUTES_HINT}",
                    413: "request body is too large"}
        return refusal(status, messages.get(status, f"request refused (HTTP {status})"))
    log.error("action call failed on %s %s", request.method, request.path, exc_info=exception)
    return refusal(500, "the action failed on this call; the action server's log has the "
                        "details")


def create_action_app(executor: ActionExecutor) -> Sanic:
    """rasa-sdk's Sanic app for `executor`, its calls checked first and its errors replied
    to without the request body."""
    from rasa_sdk.endpoint import create_app

    app = create_app(executor, cors_origins=[])
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    app.register_middleware(check_action_call, "request")
    # rasa-sdk registered a catch-all handler for Exception that echoes the request body;
    # Sanic refuses a second handler for the same exception, so this one takes its place.
    app.error_handler.cached_handlers[(Exception, None)] = error_reply
    return app


def serve_actions(settings: Settings, kb: KnowledgeBase, host: str, port: int) -> None:
    """Run until stopped. One process: the executor holds loaded models, which worker
    processes would each have to load again (and which do not pickle). The form validation
    actions read choices by meaning on the sentence encoder, loaded at the first such answer."""
    from bot.nlu.encoder import SentenceEncoder
    from bot.nlu.paraphrase import EmbeddingPhraseMatcher

    matcher = EmbeddingPhraseMatcher(SentenceEncoder.from_settings(settings))
    executor = build_executor(settings, kb, matcher)
    app = create_action_app(executor)
    log.info("action server on http://%s:%d/webhook with actions: %s", host, port,
             ", ".join(sorted(executor.actions)))
    app.run(host=host, port=port, single_process=True, access_log=False, motd=False)
