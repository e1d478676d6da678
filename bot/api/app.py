"""FastAPI app factory: `POST /v1/chat`, health checks, and the Gradio chat mounted at `/`."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot import __version__
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

    @app.post(
        "/v1/chat", response_model=BotResponse, tags=["chat"],
        responses={422: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
    )
    async def chat(request: ChatRequest) -> BotResponse:
        """Send one message; the reply carries the session id to send with the next one."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            inference, assistant.handle, request.message, request.session_id
        )

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
