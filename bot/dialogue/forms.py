"""Forms: collect a form's slots over several turns, then run its tool action.

Each message of an active form goes to the form's `validate_<form>` action (through the
action runner, exactly as Rasa would call it), which fills whatever slots the message
gives ("5000 over 2 years" fills two) and corrects slots given again ("make it 8000").
Then, in order:

- "cancel" / "stop" / the restart intent -> the form ends, nothing kept;
- a value that won't do -> the reason, and the question again;
- nothing for the requested slot, but the message is clearly another question -> the
  dialogue manager answers it and asks the form's question again (topic switch);
- nothing usable -> the question again; after `MAX_ATTEMPTS` misses the form ends, so a
  session is never stuck in a form;
- every slot filled -> the tool action runs and its answer ends the form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.actions.runner import ActionRunner, ToolFailure, tracker_state
from bot.dialogue.slots import display_value
from bot.dialogue.state import SessionState
from bot.kb import Form, FormSlot, KnowledgeBase
from bot.payloads import intent_payload, parse_payload
from bot.response import Action, Button

MAX_ATTEMPTS = 3
CANCEL = re.compile(
    r"^\W*(cancel|stop|quit|exit|abort|never ?mind|forget (it|that)|no thanks|"
    r"(i )?(don'?t|do not) want (to|it|this)( any ?more)?|not now)\b", re.IGNORECASE)
CORRECTION_WORDS = re.compile(r"\b(actually|sorry|instead|change|make it|correction|i meant)\b",
                              re.IGNORECASE)


@dataclass
class FormReply:
    action: Action
    text: str
    buttons: list[Button] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    form: str = ""
    slots_filled: dict[str, Any] = field(default_factory=dict)


HANDOFF_BUTTON = Button(title="Talk to a person", payload=intent_payload("human_handoff"))


def slot_buttons(slot: FormSlot) -> list[Button]:
    return [Button(title=c.title, payload=c.title) for c in slot.choices]


class FormController:
    def __init__(self, kb: KnowledgeBase, runner: ActionRunner) -> None:
        self.kb = kb
        self.runner = runner

    # -- entry points --------------------------------------------------------------------

    def form_for_payload(self, text: str) -> Form | None:
        """A button payload '/form:<name>' starts that form."""
        target = parse_payload(text)
        if target is not None and target.kind == "form":
            return self.kb.forms.get(target.name)
        return None

    def start(self, state: SessionState, form: Form, text: str) -> FormReply:
        """Begin `form`; the opening message may already hold some answers."""
        for slot in form.slots:
            state.slots.pop(slot.name, None)
        state.active_form = form.name
        state.requested_slot = None
        state.form_attempts = 0
        filled, problems, _ = self._validate(state, form, text)
        reply = self._next(state, form)
        reply.text = "\n\n".join(p for p in [form.intro, *problems.values(), reply.text] if p)
        reply.slots_filled = filled
        return reply

    def advance(self, state: SessionState, text: str, other_topic: bool) -> FormReply | None:
        """Handle one message of the active form. None: the message is about something
        else (`other_topic`) and should be answered normally; the form stays open."""
        form = self.kb.forms.get(state.active_form or "")
        if form is None:  # the KB changed under a running form
            state.end_form()
            return None
        if CANCEL.search(text):
            self._clear(state, form)
            return FormReply("form_cancel", f"OK, I've stopped the {form.title.lower()}. "
                             "Ask me anything else, or start again whenever you like.",
                             form=form.name)
        requested = state.requested_slot
        filled, problems, messages = self._validate(state, form, text)
        if requested in problems:
            return self._retry(state, form, problems[requested])
        if requested not in filled and not filled:
            if other_topic:
                return None
            return self._retry(state, form, "Sorry, I didn't catch that.")
        state.form_attempts = 0
        reply = self._next(state, form)
        corrected = [n for n in filled if n != requested]
        if corrected and (CORRECTION_WORDS.search(text) or requested not in filled):
            notes = ", ".join(f"{self._slot(form, n).name.replace('_', ' ')} "
                              f"{display_value(self._slot(form, n), state.slots[n])}"
                              for n in corrected)
            reply.text = f"Got it: {notes}.\n\n{reply.text}"
        reply.slots_filled = filled
        extra = [m for m in messages if m]
        if extra:
            reply.text = "\n\n".join([*extra, reply.text])
        return reply

    def reask(self, state: SessionState) -> str:
        """The question to add after answering an off-topic message inside a form."""
        form = self.kb.forms.get(state.active_form or "")
        slot = self._slot(form, state.requested_slot) if form and state.requested_slot else None
        if form is None or slot is None:
            return ""
        return f"To carry on with the {form.title.lower()}: {slot.ask}"

    def reask_buttons(self, state: SessionState) -> list[Button]:
        form = self.kb.forms.get(state.active_form or "")
        slot = self._slot(form, state.requested_slot) if form and state.requested_slot else None
        return slot_buttons(slot) if slot else []

    # -- steps ---------------------------------------------------------------------------

    @staticmethod
    def _slot(form: Form, name: str | None) -> FormSlot:
        return next(s for s in form.slots if s.name == name)

    def _validate(self, state: SessionState, form: Form, text: str
                  ) -> tuple[dict[str, Any], dict[str, str], list[str]]:
        """Run `validate_<form>`; apply its slot events. Returns (filled, problems by slot,
        other messages)."""
        tracker = tracker_state(state.session_id,
                                {**state.slots, "requested_slot": state.requested_slot},
                                text, form.name)
        result = self.runner.run(f"validate_{form.name}", tracker)
        filled: dict[str, Any] = {}
        problems: dict[str, str] = {}
        messages: list[str] = []
        for response in result.responses:
            invalid = (response.get("custom") or {}).get("invalid_slot")
            if invalid:
                problems[str(invalid)] = str(response.get("text") or "")
            elif response.get("text"):
                messages.append(str(response["text"]))
        for name, value in result.slot_updates().items():
            if value is None:
                state.slots.pop(name, None)
            else:
                state.slots[name] = value
                filled[name] = value
        return filled, problems, messages

    def _retry(self, state: SessionState, form: Form, reason: str) -> FormReply:
        state.form_attempts += 1
        if state.form_attempts >= MAX_ATTEMPTS:
            self._clear(state, form)
            return FormReply(
                "form_cancel",
                f"{reason} Let's leave the {form.title.lower()} for now: you can start again "
                "any time, or ask to talk to a person.",
                buttons=[HANDOFF_BUTTON],
                form=form.name,
            )
        slot = self._slot(form, state.requested_slot)
        return FormReply("form_invalid", f"{reason} {slot.ask}", slot_buttons(slot),
                         form=form.name)

    def _next(self, state: SessionState, form: Form) -> FormReply:
        missing = [slot for slot in form.slots if slot.name not in state.slots]
        if missing:
            slot = missing[0]
            state.requested_slot = slot.name
            return FormReply("form_ask", slot.ask, slot_buttons(slot), form=form.name)
        return self._complete(state, form)

    def _complete(self, state: SessionState, form: Form) -> FormReply:
        slots = {slot.name: state.slots[slot.name] for slot in form.slots}
        tracker = tracker_state(state.session_id, slots, "", None)
        self._clear(state, form)
        try:
            result = self.runner.run(form.action, tracker)
        except ToolFailure:
            return FormReply(
                "tool_error",
                f"Sorry, I couldn't complete the {form.title.lower()} right now: the service "
                "behind it did not answer. Please try again later, or ask to talk to a person.",
                buttons=[HANDOFF_BUTTON],
                form=form.name,
            )
        return FormReply("tool_result", result.text or "Done.", data=result.custom,
                         images=result.images, form=form.name)

    @staticmethod
    def _clear(state: SessionState, form: Form) -> None:
        for slot in form.slots:
            state.slots.pop(slot.name, None)
        state.end_form()
