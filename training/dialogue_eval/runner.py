"""Play suite conversations against an `Assistant`, each in a fresh session.

The script's fixed moves go first; then the simulated customer carries on until the goal is
met, the turn limit is reached, the customer has nothing left to say, or the bot hands the
customer to a person (which ends a chat whatever the goal).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from bot.errors import TellerError
from bot.pipeline import Assistant
from bot.response import BotResponse
from training.dialogue_eval.simulator import CustomerSimulator, question_of
from training.dialogue_eval.suite import Conversation, Step

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TurnRecord:
    """One customer message and the bot's reply, as the report shows them."""

    customer: str
    how: str  # "scripted", "pressed", or "simulated: <why>"
    bot: str
    action: str
    response_id: str | None
    intent: str | None
    form: str | None
    buttons: list[str] = field(default_factory=list)
    latency_ms: float = 0.0  # the assistant's own time for the turn (BotResponse.latency_ms)

    @classmethod
    def of(cls, customer: str, how: str, response: BotResponse) -> TurnRecord:
        return cls(customer, how, response.text, response.action, response.response_id,
                   response.intent.name if response.intent else None, response.form,
                   [b.title for b in response.buttons], response.latency_ms)


@dataclass
class ConversationResult:
    id: str
    goal: str
    tags: list[str]
    persona: str
    source: str
    expected: str
    success: bool = False
    turns: int = 0
    reason: str = ""
    transcript: list[TurnRecord] = field(default_factory=list)


def _moves(script: list[Step]) -> Iterator[Step]:
    """The script with `simulate: n` unrolled, then simulated moves without end."""
    for step in script:
        if step.simulate is None:
            yield step
        else:
            yield from (Step(simulate=1) for _ in range(step.simulate))
    while True:
        yield Step(simulate=1)


def _next_message(step: Step, last: BotResponse | None,
                  customer: CustomerSimulator) -> tuple[str | None, str, str]:
    """(message, how, why not): the message is None when the customer cannot go on."""
    if step.say is not None:
        return step.say, "scripted", ""
    if last is None:
        return None, "", "nothing to answer yet"
    if step.press is not None:
        if step.press > len(last.buttons):
            return None, "", (f"the script presses button {step.press} but the reply has "
                              f"{len(last.buttons)}")
        return last.buttons[step.press - 1].payload, "pressed", ""
    move = customer.reply(last)
    if move is None:
        said = question_of(last.text) or last.text[:120]
        return None, "", f"the customer had nothing to answer to: {said!r}"
    return move.text, f"simulated: {move.reason}", ""


def run_conversation(assistant: Assistant, conversation: Conversation) -> ConversationResult:
    success = conversation.success
    result = ConversationResult(conversation.id, conversation.goal, conversation.tags,
                                conversation.persona, conversation.source, success.describe())
    customer = CustomerSimulator(assistant.encoder, conversation.profile, conversation.wants)
    session_id = assistant.new_session_id()
    responses: list[BotResponse] = []
    for step in _moves(conversation.script):
        if result.turns >= success.max_turns:
            result.reason = f"not met within {success.max_turns} customer turns"
            break
        message, how, why_not = _next_message(step, responses[-1] if responses else None,
                                              customer)
        if message is None:
            result.reason = why_not
            break
        try:
            response = assistant.handle(message, session_id)
        except TellerError as exc:
            result.reason = f"the bot refused the message: {type(exc).__name__}: {exc}"
            break
        except Exception as exc:  # a crash is this conversation's result, not the suite's end
            log.exception("conversation %s crashed the bot", conversation.id)
            result.reason = f"the bot crashed: {type(exc).__name__}: {exc}"
            result.transcript.append(TurnRecord(message, how, "", "crash", None, None, None))
            result.turns += 1
            break
        customer.said(message)
        result.turns += 1
        responses.append(response)
        result.transcript.append(TurnRecord.of(message, how, response))
        if success.met(responses):
            result.success, result.reason = True, "met"
            break
        if response.action == "handoff":
            result.reason = "handed off to a person before the goal was met"
            break
    return result


def run_suite(assistant: Assistant, conversations: list[Conversation],
              progress: Callable[[ConversationResult], None] | None = None,
              ) -> list[ConversationResult]:
    results = []
    for conversation in conversations:
        result = run_conversation(assistant, conversation)
        log.debug("%s: %s (%s)", conversation.id, result.success, result.reason)
        if progress is not None:
            progress(result)
        results.append(result)
    return results
