"""FastAPI app factory: `POST /v1/chat`, Rasa's REST channel, health checks, and the Gradio
chat mounted at `/`."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot import __version__
from bot.api.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from bot.api.metrics import Metrics
from bot.api.rasa_rest import rasa_rest_router
from bot.config import Settings
from bot.errors import TellerError
from bot.pipeline import Assistant
from bot.response import BotResponse

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


def _error(status: int, kind: str, message: str) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(type=kind, message=message))
    return JSONResponse(status_code=status, content=body.model_dump())


def create_app(settings: Settings, assistant: Assistant, *, with_ui: bool = True) -> FastAPI:
    # Messages run on a small dedicated pool rather than the server's general threadpool:
    # every new thread that calls into torch/OpenMP starts its own team of spinning worker
    # threads, and on a small machine dozens of them make each message 2-3x slower.
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

    @app.middleware("http")
    async def _count_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", None)
        if path is not None:  # API routes only: the mounted UI's files are not counted
            metrics.observe_request(path, response.status_code)
        return response

    @app.exception_handler(TellerError)
    async def _teller_error(_: Request, exc: TellerError) -> JSONResponse:
        if exc.http_status >= 500:
            log.error("request failed: %s", exc)
        return _error(exc.http_status, type(exc).__name__, str(exc))

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

    @app.post(
        "/v1/chat", response_model=BotResponse, tags=["chat"],
        responses={422: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
    )
    async def chat(request: ChatRequest) -> BotResponse:
        """Send one message; the reply carries the session id to send with the next one."""
        return await run_inference(assistant.handle, request.message, request.session_id)

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
        import gradio as gr

        from ui.chat import build_chat_ui

        app = gr.mount_gradio_app(app, build_chat_ui(assistant), path="/")
    return app
