"""Run Rasa SDK actions in-process through rasa-sdk's own `ActionExecutor`.

The dialogue manager builds the same request a Rasa server would post to an action server
(`next_action`, `sender_id`, `tracker`, `domain`, `version`), runs it on a worker thread
with a deadline, and reads back the `events` and `responses`. A tool that raises or runs
past `timeout_seconds` becomes a `ToolFailure`: the cause goes to the log, the message names
only the action, and the dialogue manager answers the customer in its own words; the
conversation goes on.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rasa_sdk.executor import ActionExecutor

from bot.errors import TellerError

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.kb import KnowledgeBase
    from bot.nlu.paraphrase import PhraseMatcher

log = logging.getLogger(__name__)
RASA_SDK_VERSION = "3.21.1"


class ToolFailure(TellerError):
    """A tool action raised, timed out or is not registered."""


@dataclass(frozen=True)
class ActionResult:
    events: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)

    def slot_updates(self) -> dict[str, Any]:
        return {e["name"]: e.get("value") for e in self.events if e.get("event") == "slot"}

    @property
    def text(self) -> str:
        return "\n\n".join(str(r["text"]) for r in self.responses if r.get("text"))

    @property
    def custom(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for response in self.responses:
            if isinstance(response.get("custom"), dict):
                merged.update(response["custom"])
        return merged

    @property
    def images(self) -> list[str]:
        return [str(r["image"]) for r in self.responses if r.get("image")]


def build_executor(settings: Settings, kb: KnowledgeBase,
                   matcher: PhraseMatcher | None = None) -> ActionExecutor:
    """Every Teller action: the tools (models loaded lazily, from settings) and one
    `validate_<form>` per form in the knowledge base (reading choices by meaning with
    `matcher`, when given)."""
    from bot.actions.credit_risk import ActionAssessCreditRisk
    from bot.actions.forms import validation_actions
    from bot.actions.portfolio import ActionRecommendPortfolio

    executor = ActionExecutor()
    executor.register_action(ActionAssessCreditRisk(settings=settings))
    executor.register_action(ActionRecommendPortfolio(spec=settings.portfolio_advisor))
    for action in validation_actions(kb.forms, matcher):
        executor.register_action(action)
    return executor


def tracker_state(
    sender_id: str, slots: dict[str, Any], text: str, active_form: str | None,
    intent: str | None = None, confidence: float | None = None,
) -> dict[str, Any]:
    """The tracker a Rasa server would send for this turn."""
    return {
        "sender_id": sender_id,
        "slots": dict(slots),
        "latest_message": {
            "text": text,
            "intent": {"name": intent, "confidence": confidence} if intent else {},
            "entities": [],
        },
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {"name": active_form} if active_form else {},
        "latest_action_name": "action_listen",
    }


class ActionRunner:
    def __init__(self, executor: ActionExecutor, timeout_seconds: float = 10.0,
                 domain: dict[str, Any] | None = None) -> None:
        self.executor = executor
        self.timeout_seconds = timeout_seconds
        self.domain = domain or {}
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=4, thread_name_prefix="teller-action")

    @property
    def action_names(self) -> list[str]:
        return sorted(self.executor.actions)

    def run(self, action: str, tracker: dict[str, Any]) -> ActionResult:
        if action not in self.executor.actions:
            raise ToolFailure(f"no action named '{action}' is registered")
        call = {"next_action": action, "sender_id": tracker["sender_id"], "tracker": tracker,
                "domain": self.domain, "version": RASA_SDK_VERSION}
        # the tool speaks the language of the turn (bot.messages): run it in this context
        future = self._pool.submit(contextvars.copy_context().run, asyncio.run,
                                   self.executor.run(call))
        try:
            result = future.result(timeout=self.timeout_seconds)
        except concurrent.futures.TimeoutError as exc:
            log.error("action %s timed out after %.1f s", action, self.timeout_seconds)
            raise ToolFailure(f"{action} took longer than {self.timeout_seconds:g} s") from exc
        except Exception as exc:  # a tool's own failure must not end the conversation
            log.exception("action %s failed", action)
            # The exception's own text stays in the log: it may quote the customer's input
            # or Python internals, and a ToolFailure's message can reach a client.
            raise ToolFailure(f"{action} failed ({type(exc).__name__}); the server log has "
                              "the details") from exc
        if result is None:
            return ActionResult()
        return ActionResult(list(result.events), list(result.responses))
