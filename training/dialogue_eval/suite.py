"""The dialogue suite's YAML format, validated on load.

    conversations:
      - id: loan-terse-car                   # unique in the suite
        goal: loan_decision                  # one of GOALS
        tags: [fast]                         # `--tags` / the test subset select by these
        persona: terse, lower case           # a note for the reader
        wants: [a personal loan]             # what the customer is after, in words: picks
                                             #   buttons and accepts offers by meaning
        profile:                             # facts the simulator answers questions with
          style: several_at_once             #   or one_at_a_time (default)
          facts:
            amount: 5 grand                  #   a kind from topics.FACT_TOPICS, or any
            duration: 2 yrs                  #   name with `about: [what it answers]`
            pets: {say: a dog, about: [do you have pets]}
        script:                              # the customer's moves, in order
          - say: need a loan for a car       #   a fixed message
          - simulate: 2                      #   answer the bot's next 2 questions
          - say: actually make it 8000
          - press: 1                         #   press the last reply's first button
        success:                             # after the script the simulator carries on
          max_turns: 10                      #   until this is met, or max_turns
          all:                               # every expectation, each on a later turn
            - {action: tool_result, form: loan_application, data: {amount: 8000}}

`success` may instead give `any_of: [{all: [...], ordered: false}, ...]`: alternatives, any
one of which will do; `ordered: false` lets the expectations be met in any order. An
expectation holds for a bot turn when every field given matches: `action`, `response_id`,
`intent` (each one value or a list of accepted values), `form`, `text_contains` (all of
them) and `data` (a subset of the turn's data; "application.amount" looks inside).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.dialogue.parts import PARTS
from bot.errors import TellerError
from bot.response import Action, BotResponse, IntentInfo
from training.dialogue_eval.topics import FACT_TOPICS

GOALS: Final[dict[str, str]] = {
    "loan_decision": "a personal loan, to an indicative decision",
    "investment_allocation": "investment advice, to a model portfolio",
    "lost_card": "a lost or stolen card: block or freeze it",
    "card_not_arrived": "a card that has not arrived",
    "dispute_payment": "dispute a card payment",
    "transfer_not_received": "a transfer that has not arrived",
    "fees_follow_up": "fees, with a follow-up question",
    "human_handoff": "talk to a person",
    "two_requests": "two requests in one message, both served",
    "form_correction": "a correction in the middle of a form",
    "form_side_question": "a side question in a form, then the form's decision",
    "change_of_mind": "leave the loan check for something else",
}
ACTIONS: Final = frozenset(get_args(Action))


class SuiteError(TellerError):
    """A suite file that cannot be used; the message names the file and the conversation."""


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


_MISSING = object()


def _lookup(data: dict[str, Any], dotted: str) -> Any:
    """`data["a"]["b"]` for "a.b" (a tool's output nests its answers); _MISSING if absent."""
    value: Any = data
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return _MISSING
        value = value[key]
    return value


class Expect(BaseModel):
    """What one bot turn must show (every field given)."""

    model_config = ConfigDict(extra="forbid")

    action: list[str] | None = None
    response_id: list[str] | None = None
    intent: list[str] | None = None
    form: str | None = None
    text_contains: list[str] | None = None
    data: dict[str, Any] | None = None

    _lists = field_validator("action", "response_id", "intent", "text_contains",
                             mode="before")(_as_list)

    @field_validator("action")
    @classmethod
    def _known_actions(cls, value: list[str] | None) -> list[str] | None:
        unknown = sorted(set(value or []) - ACTIONS)
        if unknown:
            raise ValueError(f"unknown action(s) {unknown}; known: {sorted(ACTIONS)}")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Expect:
        if not self.model_fields_set:
            raise ValueError("an expectation needs at least one field")
        return self

    def matches(self, response: BotResponse) -> bool:
        intent = response.intent.name if response.intent else None
        text = response.text.lower()
        return ((self.action is None or response.action in self.action)
                and (self.response_id is None or response.response_id in self.response_id)
                and (self.intent is None or intent in self.intent)
                and (self.form is None or response.form == self.form)
                and all(part.lower() in text for part in self.text_contains or [])
                and all(_lookup(response.data, k) == v for k, v in (self.data or {}).items()))

    def describe(self) -> str:
        return ", ".join(f"{name}={value}" for name, value in
                         self.model_dump(exclude_none=True).items())


def served(response: BotResponse) -> list[BotResponse]:
    """What one reply served: itself, and each part of a message of several requests
    (`data["parts"]`, bot.dialogue.parts), as if each had been a reply of its own."""
    views = [response]
    for part in response.data.get(PARTS) or []:
        if not isinstance(part, dict):
            continue
        intent = part.get("intent")
        views.append(response.model_copy(update={
            "action": part.get("action") or response.action,
            "response_id": part.get("response_id"),
            "intent": IntentInfo(name=intent, confidence=1.0) if intent else None,
        }))
    return views


class Route(BaseModel):
    """One way to succeed: every expectation, each on a later turn unless unordered."""

    model_config = ConfigDict(extra="forbid")

    all: list[Expect] = Field(min_length=1)
    ordered: bool = True

    def met(self, responses: list[BotResponse]) -> bool:
        views = [view for response in responses for view in served(response)]
        if not self.ordered:
            return all(any(e.matches(v) for v in views) for e in self.all)
        pending = iter(views)  # greedy matching of a subsequence is exact
        return all(any(e.matches(r) for r in pending) for e in self.all)


class Success(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_turns: int = Field(ge=1, le=40, description="Customer messages allowed")
    any_of: list[Route] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict) and "all" in data:
            data = dict(data)
            path = {"all": data.pop("all"), "ordered": data.pop("ordered", True)}
            if "any_of" in data:
                raise ValueError("give either 'all' or 'any_of', not both")
            data["any_of"] = [path]
        return data

    def met(self, responses: list[BotResponse]) -> bool:
        return any(path.met(responses) for path in self.any_of)

    def describe(self) -> str:
        paths = [("" if p.ordered else "in any order: ")
                 + " then ".join(f"[{e.describe()}]" for e in p.all) for p in self.any_of]
        return " OR ".join(paths)


class Fact(BaseModel):
    """Something the customer knows, in their words, and (optionally) what it answers."""

    model_config = ConfigDict(extra="forbid")

    say: str = Field(min_length=1)
    about: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _plain_text(cls, data: Any) -> Any:
        return {"say": str(data)} if isinstance(data, str | int | float) else data


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    style: Literal["one_at_a_time", "several_at_once"] = "one_at_a_time"
    facts: dict[str, Fact] = Field(min_length=1)

    @model_validator(mode="after")
    def _described(self) -> Profile:
        unknown = sorted(k for k, f in self.facts.items() if k not in FACT_TOPICS and not f.about)
        if unknown:
            raise ValueError(f"facts {unknown} need 'about: [what they answer]' (or use a "
                             f"known kind: {sorted(FACT_TOPICS)})")
        return self

    def topics(self, name: str) -> list[str]:
        return [*FACT_TOPICS.get(name, ()), *self.facts[name].about]


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    say: str | None = Field(default=None, min_length=1)
    press: int | None = Field(default=None, ge=1, description="1-based button of the last reply")
    simulate: int | None = Field(default=None, ge=1, description="Simulated answers to give")

    @model_validator(mode="after")
    def _one_move(self) -> Step:
        if sum(v is not None for v in (self.say, self.press, self.simulate)) != 1:
            raise ValueError("a script step has exactly one of 'say', 'press' or 'simulate'")
        return self


class Conversation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    goal: str
    tags: list[str] = Field(default_factory=list)
    persona: str = ""
    wants: list[str] = Field(default_factory=list)
    profile: Profile | None = None
    script: list[Step] = Field(min_length=1)
    success: Success
    source: str = Field(default="", exclude=True, description="The file it came from")

    @field_validator("goal")
    @classmethod
    def _known_goal(cls, value: str) -> str:
        if value not in GOALS:
            raise ValueError(f"unknown goal '{value}'; known: {sorted(GOALS)}")
        return value

    @model_validator(mode="after")
    def _playable(self) -> Conversation:
        if self.script[0].say is None:
            raise ValueError("the script must open with 'say' (the customer speaks first)")
        scripted = sum(1 for s in self.script if s.simulate is None)
        if scripted > self.success.max_turns:
            raise ValueError(f"the script has {scripted} fixed messages, more than "
                             f"max_turns {self.success.max_turns}")
        return self


def _problem(error: Any) -> str:
    where = ".".join(str(p) for p in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def load_file(path: Path) -> list[Conversation]:
    """One suite file; a problem raises SuiteError naming the file and the conversation."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SuiteError(f"{path}: cannot read the suite file: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("conversations"), list):
        raise SuiteError(f"{path}: a suite file is a mapping with a 'conversations' list")
    unknown = sorted(set(data) - {"conversations", "description"})
    if unknown:
        raise SuiteError(f"{path}: unknown top-level keys {unknown}")
    conversations = []
    for number, item in enumerate(data["conversations"], start=1):
        name = item.get("id") if isinstance(item, dict) else None
        label = f"conversation '{name}' (#{number})" if name else f"conversation #{number}"
        try:
            conversation = Conversation.model_validate(item)
        except ValidationError as exc:
            problems = "; ".join(_problem(e) for e in exc.errors())
            raise SuiteError(f"{path}: {label}: {problems}") from exc
        conversations.append(conversation.model_copy(update={"source": str(path)}))
    return conversations


def load_suite(path: Path) -> list[Conversation]:
    """A suite file, or every *.yaml / *.yml file of a folder; ids must be unique."""
    path = Path(path)
    if path.is_dir():
        files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        if not files:
            raise SuiteError(f"{path}: no *.yaml suite files in this folder")
    elif path.is_file():
        files = [path]
    else:
        raise SuiteError(f"{path}: no such suite file or folder")
    seen: dict[str, str] = {}
    conversations = []
    for file in files:
        for conversation in load_file(file):
            if conversation.id in seen:
                raise SuiteError(f"{file}: conversation '{conversation.id}' has the same id as "
                                 f"one in {seen[conversation.id]}")
            seen[conversation.id] = str(file)
            conversations.append(conversation)
    return conversations


def select(conversations: list[Conversation], tags: list[str] | None = None,
           goals: list[str] | None = None) -> list[Conversation]:
    """Those carrying any of `tags` and in any of `goals` (None: no filter)."""
    return [c for c in conversations
            if (not tags or set(tags) & set(c.tags)) and (not goals or c.goal in goals)]
