"""FastAPI dependencies, all in one place: every route takes the runtime, the session store,
the authenticated caller and the message runner from here, so a test can swap any of them
with `app.dependency_overrides[get_caller] = ...`."""

# No `from __future__ import annotations`: FastAPI reads these signatures at run time.
import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

from fastapi import Depends, Request

from bot.api.auth import Authenticator, Caller
from bot.channels import Channel
from bot.dialogue.store import SessionStore
from bot.response import BotResponse
from bot.runtime import Runtime


class MessageRunner:
    """Runs a channel's messages on a dedicated thread pool: validation, dialogue and storage
    there, while the models run on the assistant's single NLU thread, which batches the
    messages these threads hand it (bot.batching). Only that thread calls torch/ONNX."""

    def __init__(self, threads: int) -> None:
        self.pool = ThreadPoolExecutor(max_workers=threads,
                                       thread_name_prefix="teller-inference")

    async def send(self, channel: Channel, message: object, session_id: str | None,
                   owner: str | None, create: bool = True) -> BotResponse:
        return await asyncio.get_running_loop().run_in_executor(
            self.pool, channel.handle, message, session_id, owner, create)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_store(request: Request) -> SessionStore:
    return get_runtime(request).store


def get_runner(request: Request) -> MessageRunner:
    runner: MessageRunner = request.app.state.runner
    return runner


def get_caller(request: Request) -> Caller:
    """The caller of an API-key route, within its rate limit (401/429 otherwise)."""
    authenticate: Authenticator = request.app.state.authenticator
    return authenticate(request)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
StoreDep = Annotated[SessionStore, Depends(get_store)]
RunnerDep = Annotated[MessageRunner, Depends(get_runner)]
CallerDep = Annotated[Caller, Depends(get_caller)]
