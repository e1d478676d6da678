"""Rasa's REST channel, so a bank's existing Rasa front end can talk to Teller unchanged.

`POST /webhooks/rest/webhook` takes `{"sender", "message", "metadata"}` and returns the list
of bot messages exactly as Rasa's `RestInput` does: `{"recipient_id", "text", "buttons",
"image", "custom"}` with the keys that have no value left out. `GET /webhooks/rest/`
answers `{"status": "ok"}`. The sender id is the session id.

Like Rasa's channel it takes no API key (put it behind the bank's gateway); its sessions
belong to the channel, so no API key can read them and it cannot reach an API key's.
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures at run time.
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from bot.api.deps import RunnerDep, RuntimeDep
from bot.response import BotResponse

CHANNEL = "rasa-rest"
OWNER = f"channel:{CHANNEL}"


class RasaRestRequest(BaseModel):
    sender: str = Field(default="default", description="The conversation id (Rasa's sender_id)",
                        examples=["customer-42"])
    message: str = Field(description="The customer's message, or a button payload")
    metadata: dict[str, Any] | None = Field(default=None, description="Accepted, not used")


class RasaButton(BaseModel):
    title: str
    payload: str


class RasaMessage(BaseModel):
    recipient_id: str
    text: str | None = None
    buttons: list[RasaButton] | None = None
    image: str | None = None
    custom: dict[str, Any] | None = None


def rasa_messages(reply: BotResponse) -> list[dict[str, Any]]:
    """One Teller reply as Rasa's collecting output channel would emit it: the text (with
    its buttons), then each image, then the tool data as a custom message."""
    recipient = reply.session_id
    messages = [RasaMessage(
        recipient_id=recipient, text=reply.text,
        buttons=[RasaButton(title=b.title, payload=b.payload) for b in reply.buttons] or None,
    )]
    messages += [RasaMessage(recipient_id=recipient, image=image) for image in reply.images]
    if reply.data:
        messages.append(RasaMessage(recipient_id=recipient, custom=reply.data))
    return [m.model_dump(exclude_none=True) for m in messages]


router = APIRouter(prefix="/webhooks/rest", tags=["rasa-compatible"])


@router.get("/")
def status() -> dict[str, str]:
    return {"status": "ok"}


@router.post("/webhook", response_model=list[RasaMessage], response_model_exclude_none=True)
async def webhook(request: RasaRestRequest, runtime: RuntimeDep,
                  runner: RunnerDep) -> list[dict[str, Any]]:
    reply = await runner.send(runtime.channel(CHANNEL), request.message, request.sender, OWNER)
    return rasa_messages(reply)
