"""FastAPI app factory: the versioned API (`/v1/sessions`, `/v1/chat`), Rasa's REST channel,
health, readiness and metrics, and the web pages (chat at `/`, admin at `/admin`).

The app serves one `bot.runtime.Runtime`; routes take what they need from `bot.api.deps`.
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures at run time.
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Header
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field

from bot import __version__
from bot.api import rasa_rest, sessions
from bot.api.auth import Authenticator
from bot.api.deps import CallerDep, MessageRunner, RunnerDep, RuntimeDep
from bot.api.errors import ERRORS, add_error_handlers
from bot.api.middleware import BodySizeLimit, RequestContext
from bot.config import Settings
from bot.errors import NotFound, Unauthorized
from bot.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from bot.response import BotResponse
from bot.runtime import Runtime
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


class Health(BaseModel):
    status: str
    version: str = __version__


class Readiness(BaseModel):
    ready: bool
    model: bool
    index: bool
    database: bool
    model_kind: str | None = Field(
        default=None, description="Which intent model serves: finetuned-cosine-v2 or, while "
        "the first fine-tune runs, the frozen-encoder embedding-softmax-v1")
    training: str | None = Field(default=None,
                                 description="What trains in the background, if anything")
    languages: list[str] = Field(default_factory=list,
                                 description="The languages Teller answers in now")
    pending_languages: list[str] = Field(
        default_factory=list, description="The knowledge base's languages whose models are "
        "still training (the first start trains them in the background, in about a minute); "
        "a message in one of them is told so, in its language")


class MetricsAccess:
    """Who may read /metrics: holders of TELLER_METRICS_TOKEN when it is set; anyone in
    development without one; nobody in production without one (the route then says 404)."""

    def __init__(self, settings: Settings) -> None:
        token = settings.metrics_token
        self.token = token.get_secret_value().encode() if token else None
        self.open = token is None and settings.environment == "development"
        if token is None and not self.open:
            log.warning("/metrics is off: set TELLER_METRICS_TOKEN and give it to Prometheus "
                        "as its bearer token")

    def check(self, authorization: str | None) -> None:
        if self.open:
            return
        if self.token is None:
            raise NotFound("/metrics is off: set TELLER_METRICS_TOKEN to turn it on")
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                                 self.token):
            raise Unauthorized("send TELLER_METRICS_TOKEN as 'Authorization: Bearer <token>'")


def create_app(runtime: Runtime, *, with_ui: bool = True,
               keys: ApiKeyStore | None = None) -> FastAPI:
    """`keys` defaults to the API keys in the runtime's SQL database; with an in-memory
    store (tests, CLI) only the development key is accepted."""
    settings = runtime.settings
    runner = MessageRunner(settings.inference_threads)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        runtime.watcher.start()
        try:
            yield
        finally:
            runtime.stop()
            runner.shutdown()

    app = FastAPI(
        title="Teller API", version=__version__, lifespan=lifespan,
        description="Customer-service assistant for banks: chat, sessions, health.",
    )
    app.state.runtime = runtime
    app.state.settings = settings
    app.state.runner = runner
    app.state.metrics = runtime.metrics
    store = runtime.store
    if keys is None and isinstance(store, SqlSessionStore):
        keys = ApiKeyStore(store.engine)
    app.state.authenticator = Authenticator(settings, keys)
    # Added innermost first: CORS answers preflights inside the size limit and request log.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"], max_age=600,
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext, metrics=runtime.metrics,
                       frame_ancestors=settings.cors_origins)
    add_error_handlers(app)

    app.include_router(sessions.router)

    @app.post("/v1/chat", response_model=BotResponse, tags=["chat"], responses=ERRORS)
    async def chat(request: ChatRequest, caller: CallerDep, runtime: RuntimeDep,
                   runner: RunnerDep) -> BotResponse:
        """One call per message, no session set-up: omit `session_id` to start a session,
        then send the `session_id` of the reply with the next message."""
        # An id that is unknown or another key's is the same 404 (no probing which exist);
        # only an omitted id starts a session.
        return await runner.send(runtime.channel(sessions.CHANNEL), request.message,
                                 request.session_id, caller.key_id,
                                 create=request.session_id is None)

    app.include_router(rasa_rest.router)

    metrics_access = MetricsAccess(settings)

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse,
             responses={401: {"description": "TELLER_METRICS_TOKEN is set and was not sent"},
                        404: {"description": "production without TELLER_METRICS_TOKEN"}})
    def prometheus_metrics(runtime: RuntimeDep,
                           authorization: Annotated[str | None, Header()] = None
                           ) -> PlainTextResponse:
        """Prometheus text format: requests, message latency, intents, replies by kind. With
        TELLER_METRICS_TOKEN set, send it as `Authorization: Bearer <token>`."""
        metrics_access.check(authorization)
        return PlainTextResponse(runtime.metrics.render(), media_type=METRICS_CONTENT_TYPE)

    @app.get("/healthz", response_model=Health, tags=["operations"])
    def healthz() -> Health:
        return Health(status="ok")

    @app.get("/readyz", response_model=Readiness, tags=["operations"],
             responses={503: {"model": Readiness}})
    def readyz(runtime: RuntimeDep) -> JSONResponse:
        # Each part checked on its own: the intent model, the FAQ index, the database.
        parts = runtime.readiness()
        state = Readiness(ready=parts.ready, model=parts.model, index=parts.index,
                          database=parts.database, model_kind=parts.model_kind,
                          training=parts.training, languages=list(parts.languages),
                          pending_languages=list(parts.pending_languages))
        return JSONResponse(status_code=200 if state.ready else 503, content=state.model_dump())

    if with_ui:
        from ui.mount import mount_ui

        app = mount_ui(app, runtime)
    return app
