"""`/v1/sessions`: create a session, send messages, read the history, rate a turn, erase it.

Every route needs an API key; a session belongs to the key that created it and any other
key gets 404 for it, exactly as for an id that does not exist.
"""

# No `from __future__ import annotations`: FastAPI must see the local dependency objects.
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from bot.api.auth import Caller
from bot.api.deps import CallerDep, RunnerDep, RuntimeDep, StoreDep
from bot.api.errors import ERRORS
from bot.dialogue.store import Rating, SessionExists, SessionInfo, SessionStore
from bot.errors import NotFound, SessionNotFound
from bot.guard import check_session_id
from bot.pipeline import Assistant
from bot.privacy import redact
from bot.response import BotResponse

# Turn numbers are stored in a 32-bit INTEGER column (PostgreSQL's limit; SQLite's is 64-bit):
# a larger number is refused as invalid before it reaches the database.
MAX_TURN = 2**31 - 1

SessionIdPath = Annotated[str, Path(description="The id POST /v1/sessions returned",
                                    examples=["3f2c9a7e0b6d4c1a8e5f2d9b7c4a1e6f"])]


class NewSession(BaseModel):
    customer_ref: str | None = Field(
        default=None, max_length=128,
        description="The bank's own reference for the customer (stored as given)",
    )
    locale: str | None = Field(default=None, max_length=35,
                               pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$",
                               examples=["en-GB"])


class SessionCreated(BaseModel):
    session_id: str
    customer_ref: str | None
    locale: str | None
    created_at: datetime


class MessageIn(BaseModel):
    message: str = Field(description="The customer's message, or a button payload",
                         examples=["my card still hasn't arrived"])


class FeedbackIn(BaseModel):
    turn: int = Field(ge=1, le=MAX_TURN,
                      description="The bot turn rated (`seq` in the history), a whole number "
                      f"from 1 to {MAX_TURN}")
    rating: Rating
    comment: str | None = Field(default=None, max_length=1000)


class FeedbackOut(BaseModel):
    turn: int
    rating: Rating
    comment: str | None
    created_at: datetime


class TurnOut(BaseModel):
    seq: int
    user_text: str = Field(description="The customer's message with personal data masked")
    bot_text: str
    action: str
    intent: str | None
    confidence: float | None
    sources: list[str]
    latency_ms: float
    at: str
    feedback: Rating | None = None


class SessionHistory(BaseModel):
    session_id: str
    customer_ref: str | None
    locale: str | None
    created_at: datetime
    updated_at: datetime
    turns: list[TurnOut]


class TurnNotFound(NotFound):
    pass


router = APIRouter(prefix="/v1/sessions", tags=["sessions"], responses=ERRORS)
CHANNEL = "api"


def owned(store: SessionStore, session_id: str, caller: Caller) -> SessionInfo:
    """The caller's session; another key's session is as unknown as a missing one."""
    session_id = check_session_id(session_id)
    info = store.info(session_id)
    if info is None or info.owner != caller.key_id:
        raise SessionNotFound(session_id)
    return info


@router.post("", status_code=201, response_model=SessionCreated)
def create_session(caller: CallerDep, store: StoreDep,
                   body: NewSession | None = None) -> SessionCreated:
    """Start a conversation; send its messages to /v1/sessions/{id}/messages."""
    body = body or NewSession()
    while True:
        try:
            info = store.create(SessionInfo(Assistant.new_session_id(), caller.key_id,
                                            body.customer_ref, body.locale))
            break
        except SessionExists:  # a 128-bit random id collided: draw another
            continue
    return SessionCreated(session_id=info.session_id, customer_ref=info.customer_ref,
                          locale=info.locale, created_at=info.created_at)


@router.post("/{session_id}/messages", response_model=BotResponse)
async def send_message(session_id: SessionIdPath, body: MessageIn, caller: CallerDep,
                       runtime: RuntimeDep, runner: RunnerDep) -> BotResponse:
    """One customer message in, the assistant's typed reply out."""
    return await runner.send(runtime.channel(CHANNEL), body.message,
                             check_session_id(session_id), caller.key_id, False)


@router.get("/{session_id}", response_model=SessionHistory)
def history(session_id: SessionIdPath, caller: CallerDep, store: StoreDep) -> SessionHistory:
    """Every turn of the session, oldest first, personal data masked."""
    info = owned(store, session_id, caller)
    ratings = {f.seq: f.rating for f in store.feedback(info.session_id)}
    turns = [TurnOut(seq=t.seq, user_text=t.user_text, bot_text=t.bot_text,
                     action=t.action, intent=t.intent, confidence=t.confidence,
                     sources=t.sources, latency_ms=t.latency_ms, at=t.at,
                     feedback=ratings.get(t.seq))
             for t in store.turns(info.session_id)]
    return SessionHistory(session_id=info.session_id, customer_ref=info.customer_ref,
                          locale=info.locale, created_at=info.created_at,
                          updated_at=info.updated_at, turns=turns)


@router.post("/{session_id}/feedback", status_code=201, response_model=FeedbackOut)
def feedback(session_id: SessionIdPath, body: FeedbackIn, caller: CallerDep,
             store: StoreDep) -> FeedbackOut:
    """Thumbs up or down on a bot turn; a thumbs down puts it in the review queue."""
    info = owned(store, session_id, caller)
    comment = redact(body.comment) if body.comment else None
    stored = store.add_feedback(info.session_id, body.turn, body.rating, comment)
    if stored is None:
        raise TurnNotFound(f"session {info.session_id!r} has no turn {body.turn}")
    return FeedbackOut(turn=stored.seq, rating=stored.rating, comment=stored.comment,
                       created_at=stored.created_at)


@router.delete("/{session_id}", status_code=204, response_class=Response)
def erase(session_id: SessionIdPath, caller: CallerDep, store: StoreDep) -> Response:
    """The customer's right to erasure: the session, its turns, feedback and review items."""
    info = owned(store, session_id, caller)
    store.delete(info.session_id)
    return Response(status_code=204)
