"""FastAPI app factory: the versioned API (`/v1/sessions`, `/v1/chat`), Rasa's REST channel,
health, readiness and metrics, and the Gradio chat mounted at `/`."""

# No `from __future__ import annotations`: FastAPI must see the local dependency objects.
import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot import __version__
from bot.api.auth import Authenticator, Caller
from bot.api.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from bot.api.metrics import Metrics
from bot.api.middleware import BodySizeLimit, RequestContext
from bot.api.rasa_rest import rasa_rest_router
from bot.api.sessions import sessions_router
from bot.config import Settings
from bot.errors import TellerError
from bot.pipeline import Assistant
from bot.response import BotResponse
from bot.storage.api_keys import ApiKeyStore
from bot.storage.sessions import SqlSessionStore

log = logging.getLogger(__name__)


class ChatRequest(BaseModel):
    session_id: Annotated[
        str | None,
        Field(default=None, description="Continue this session; omit to start a new one",
              examples=["3f2c9a"]),
    ] = None
    message: str = Field(description="The customer's message, or a button payload",
                         examples=["my card still hasn't arrived"])


class ErrorBody(BaseModel):
    type: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class Health(BaseModel):
    status: str
    version: str = __version__


class Readiness(BaseModel):
    ready: bool
    model: bool
    index: bool
    database: bool


class ModelWatcher:
    """Background thread: every `interval` seconds, swap in a newer intent model if any."""

    def __init__(self, assistant: Assistant, interval: float) -> None:
        self.assistant = assistant
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="model-watcher", daemon=True)

    def start(self) -> None:
        if self.interval > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.assistant.reload_model_if_changed()
            except Exception:  # a broken new folder must never take the server down
                log.exception("could not load the new intent model; keeping the current one")


def _error(status: int, kind: str, message: str,
           headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(type=kind, message=message))
    return JSONResponse(status_code=status, content=body.model_dump(), headers=headers)


ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse, "description": text} for code, text in {
        401: "No API key, or an unknown or revoked one", 404: "No such session for this key",
        413: "Body too large", 422: "Invalid request", 429: "Rate limit; see Retry-After",
        503: "Model not ready",
    }.items()
}


def create_app(
    settings: Settings, assistant: Assistant, *, with_ui: bool = True,
    keys: ApiKeyStore | None = None,
) -> FastAPI:
    """`keys` defaults to the API keys in the assistant's SQL database; with an in-memory
    store (tests, CLI) only the development key is accepted."""
    # Messages run on a dedicated pool: validation, dialogue and storage here, while the
    # models run on the assistant's single NLU thread, which batches the messages that
    # these threads hand it (bot.batching). Only that thread ever calls torch/ONNX Runtime.
    inference = ThreadPoolExecutor(
        max_workers=settings.inference_threads, thread_name_prefix="teller-inference"
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        watcher = ModelWatcher(assistant, settings.model_reload_seconds)
        watcher.start()
        try:
            yield
        finally:
            watcher.stop()
            inference.shutdown(wait=False)

    app = FastAPI(
        title="Teller API", version=__version__, lifespan=lifespan,
        description="Customer-service assistant for banks: chat, sessions, health.",
    )
    app.state.assistant = assistant
    app.state.settings = settings
    metrics = Metrics()
    app.state.metrics = metrics
    store = assistant.components.dialogue.store
    if keys is None and isinstance(store, SqlSessionStore):
        keys = ApiKeyStore(store.engine)
    authenticate = Authenticator(settings, keys)
    app.state.authenticator = authenticate
    # Added innermost first: CORS answers preflights inside the size limit and request log.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"], max_age=600,
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext, metrics=metrics, frame_ancestors=settings.cors_origins)

    @app.exception_handler(TellerError)
    async def _teller_error(_: Request, exc: TellerError) -> JSONResponse:
        if exc.http_status >= 500:
            log.error("request failed: %s", exc)
        return _error(exc.http_status, type(exc).__name__, str(exc), exc.headers or None)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=exc)
        return _error(500, "InternalError",
                      "the assistant failed on this request; it was not stored. Try again, "
                      "and tell the bank's support team if it keeps happening")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = str(exc.detail)
        if exc.status_code == 400 and "parsing the body" in message:
            message = "request body is not valid JSON in UTF-8"
        return _error(exc.status_code, "HTTPError", message)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        return _error(422, "InvalidRequest", problems or "invalid request body")

    async def run_inference(fn: Callable[..., BotResponse], *args: object) -> BotResponse:
        """Run a message on the inference pool and record it in the metrics."""
        reply = await asyncio.get_running_loop().run_in_executor(inference, fn, *args)
        metrics.observe_reply(reply)
        return reply

    app.include_router(sessions_router(assistant, store, authenticate, run_inference, ERRORS))

    @app.post("/v1/chat", response_model=BotResponse, tags=["chat"], responses=ERRORS)
    async def chat(request: ChatRequest,
                   caller: Annotated[Caller, Depends(authenticate)]) -> BotResponse:
        """One call per message, no session set-up: omit `session_id` to start a session,
        then send the `session_id` of the reply with the next message."""
        return await run_inference(assistant.handle, request.message, request.session_id,
                                   caller.key_id)

    app.include_router(rasa_rest_router(assistant, run_inference))

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    def prometheus_metrics() -> PlainTextResponse:
        """Prometheus text format: requests, message latency, intents, replies by kind."""
        return PlainTextResponse(metrics.render(), media_type=METRICS_CONTENT_TYPE)

    @app.get("/healthz", response_model=Health, tags=["operations"])
    def healthz() -> Health:
        return Health(status="ok")

    @app.get("/readyz", response_model=Readiness, tags=["operations"],
             responses={503: {"model": Readiness}})
    def readyz() -> JSONResponse:
        components = assistant.components
        database = components.dialogue.store.ping()
        state = Readiness(
            ready=assistant.ready and database, model=assistant.ready,
            index=assistant.ready, database=database,
        )
        return JSONResponse(status_code=200 if state.ready else 503, content=state.model_dump())

    if with_ui:
        from ui.mount import mount_ui

        app = mount_ui(app, settings, assistant)
    return app
