"""Conversation tests as readable YAML stories, and the runner pytest uses.

    stories:
      - story: card has not arrived
        steps:
          - user: my card still hasn't arrived
            bot:
              intent: card_arrival          # optional checks, any subset:
              action: answer_intent         #   intent, action, response, text_contains,
              response: faq:card-arrival    #   buttons (payloads, in order), source,
              text_contains: Card delivery  #   out_of_scope, filled, no_intent
          - press: 1                        # press the first button of the last reply
            bot: {action: answer_faq}

`filled: {purpose: repairs}` checks the slots this message filled in a form (all of them,
by value); `no_intent: true` that the turn records no intent (a form answer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.pipeline import Assistant
from bot.response import SLOTS_FILLED, BotResponse


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    intent: str | None = None
    action: str | None = None
    response: str | None = None
    text_contains: str | list[str] | None = None
    buttons: list[str] | None = None
    source: str | None = None
    out_of_scope: bool | None = None
    filled: dict[str, Any] | None = None
    no_intent: bool | None = None


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str | None = None
    press: int | None = Field(default=None, ge=1, description="1-based button of the last reply")
    bot: Expectation = Field(default_factory=Expectation)

    @model_validator(mode="after")
    def _one_input(self) -> Step:
        if (self.user is None) == (self.press is None):
            raise ValueError("a step has exactly one of 'user' or 'press'")
        return self


class Story(BaseModel):
    model_config = ConfigDict(extra="forbid")

    story: str
    steps: list[Step] = Field(min_length=1)


@dataclass
class StoryResult:
    story: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def load_stories(path: Path) -> list[Story]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return [Story.model_validate(item) for item in data.get("stories", [])]


def _check(step_no: int, reply: BotResponse, expected: Expectation) -> list[str]:
    problems: list[str] = []
    actual: dict[str, Any] = {
        "intent": reply.intent.name if reply.intent else None,
        "action": reply.action,
        "response": reply.response_id,
        "out_of_scope": reply.out_of_scope,
    }
    for key, value in actual.items():
        wanted = getattr(expected, key)
        if wanted is not None and wanted != value:
            problems.append(f"step {step_no}: {key} is {value!r}, expected {wanted!r}")
    fragments = expected.text_contains
    for fragment in [fragments] if isinstance(fragments, str) else fragments or []:
        if fragment.casefold() not in reply.text.casefold():
            problems.append(f"step {step_no}: text {reply.text!r} lacks {fragment!r}")
    if expected.buttons is not None:
        payloads = [b.payload for b in reply.buttons]
        if payloads != expected.buttons:
            problems.append(f"step {step_no}: buttons are {payloads}, expected {expected.buttons}")
    if expected.filled is not None:
        filled = {slot: fill.get("value")
                  for slot, fill in (reply.data.get(SLOTS_FILLED) or {}).items()}
        if filled != expected.filled:
            problems.append(f"step {step_no}: filled {filled}, expected {expected.filled}")
    if expected.no_intent is not None and (reply.intent is None) != expected.no_intent:
        problems.append(f"step {step_no}: intent is {reply.intent!r}, expected "
                        f"{'none' if expected.no_intent else 'one'}")
    if expected.source is not None and expected.source not in [s.key for s in reply.sources]:
        problems.append(f"step {step_no}: sources {[s.key for s in reply.sources]} lack "
                        f"{expected.source!r}")
    return problems


def run_story(assistant: Assistant, story: Story) -> StoryResult:
    """Play a story in a fresh session and collect every mismatch (not only the first)."""
    result = StoryResult(story.story)
    session_id = assistant.new_session_id()
    last: BotResponse | None = None
    for number, step in enumerate(story.steps, start=1):
        if step.press is not None:
            if last is None or step.press > len(last.buttons):
                shown = [b.title for b in last.buttons] if last else []
                result.failures.append(f"step {number}: no button {step.press} to press "
                                       f"(buttons: {shown})")
                return result
            message = last.buttons[step.press - 1].payload
        else:
            assert step.user is not None
            message = step.user
        last = assistant.handle(message, session_id)
        result.failures.extend(_check(number, last, step.bot))
    return result
