"""Rasa's REST channel, so a bank's existing Rasa front end can talk to Teller unchanged.

`POST /webhooks/rest/webhook` takes `{"sender", "message", "metadata"}` and returns the list
of bot messages exactly as Rasa's `RestInput` does: `{"recipient_id", "text", "buttons",
"image", "custom"}` with the keys that have no value left out. `GET /webhooks/rest/`
answers `{"status": "ok"}`. `sender` is required (Rasa's clients always send one; without it
every caller would share one conversation).

Like Rasa's channel it takes no API key (put it behind the bank's gateway), so each client
address gets TELLER_ANONYMOUS_RATE_LIMIT_PER_MINUTE messages a minute (429 and Retry-After
over it). Its sessions belong to the channel and are stored as `rasa:<sender>`: a sender can
never name a session of an API key or of the web chat, so the answer is the same whether or
not such a session exists, and no API key can read the channel's sessions.
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures at run time.
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from bot.api.auth import Authenticator
from bot.api.deps import RunnerDep, RuntimeDep
from bot.api.errors import ERRORS
from bot.response import BotResponse

CHANNEL = "rasa-rest"
OWNER = f"channel:{CHANNEL}"
SESSION_PREFIX = "rasa:"  # the channel's own session ids: never an API key's or the web's
SENDER = re.compile(r"^[A-Za-z0-9_.:-]{1,59}$")  # with the prefix, a valid session id


class RasaRestRequest(BaseModel):
    # Missing, `sender` gets the validator's message rather than "Field required"; the
    # schema still says it is a required string.
    model_config = ConfigDict(json_schema_extra={"required": ["sender", "message"]})

    sender: Annotated[str | None, WithJsonSchema({
        "type": "string", "pattern": SENDER.pattern, "examples": ["customer-42"],
        "description": "The conversation id (Rasa's sender_id); required",
    })] = Field(default=None, validate_default=True)
    message: str = Field(description="The customer's message, or a button payload")
    metadata: dict[str, Any] | None = Field(default=None, description="Accepted, not used")

    @field_validator("sender")
    @classmethod
    def _sender(cls, sender: str | None) -> str:
        if sender is None:
            raise PydanticCustomError(
                "sender_required", "sender is required: send the conversation's id as "
                "`sender`, as Rasa's REST channel clients do (one per customer conversation)")
        if not SENDER.match(sender):
            raise PydanticCustomError(
                "sender_invalid", "sender (the session id) must be 1-59 characters of "
                "letters, digits, '_', '-', '.' or ':'")
        return sender


class RasaButton(BaseModel):
    title: str
    payload: str


class RasaMessage(BaseModel):
    recipient_id: str
    text: str | None = None
    buttons: list[RasaButton] | None = None
    image: str | None = None
    custom: dict[str, Any] | None = None


def rasa_messages(reply: BotResponse, recipient: str | None = None) -> list[dict[str, Any]]:
    """One Teller reply as Rasa's collecting output channel would emit it: the text (with
    its buttons), then each image, then the tool data as a custom message, each addressed
    to `recipient` (default: the reply's session)."""
    recipient = recipient or reply.session_id
    messages = [RasaMessage(
        recipient_id=recipient, text=reply.text,
        buttons=[RasaButton(title=b.title, payload=b.payload) for b in reply.buttons] or None,
    )]
    messages += [RasaMessage(recipient_id=recipient, image=image) for image in reply.images]
    if reply.data:
        messages.append(RasaMessage(recipient_id=recipient, custom=reply.data))
    return [m.model_dump(exclude_none=True) for m in messages]


def within_client_limit(request: Request) -> None:
    """The per-address limit of this channel (429 over it); counted before the body is
    validated, so invalid requests count too."""
    authenticator: Authenticator = request.app.state.authenticator
    authenticator.anonymous(request, CHANNEL)


router = APIRouter(prefix="/webhooks/rest", tags=["rasa-compatible"])


@router.get("/")
def status() -> dict[str, str]:
    return {"status": "ok"}


@router.post("/webhook", response_model=list[RasaMessage], response_model_exclude_none=True,
             responses={code: ERRORS[code] for code in (413, 422, 429, 503)})
async def webhook(request: RasaRestRequest, runtime: RuntimeDep, runner: RunnerDep,
                  _: Annotated[None, Depends(within_client_limit)]) -> list[dict[str, Any]]:
    sender = str(request.sender)
    reply = await runner.send(runtime.channel(CHANNEL), request.message,
                              SESSION_PREFIX + sender, OWNER)
    return rasa_messages(reply, recipient=sender)
