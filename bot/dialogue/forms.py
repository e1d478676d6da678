"""Forms: collect a form's slots over several turns, then run its tool action.

Each message of an active form is read as an answer to the question asked first. It goes to
the form's `validate_<form>` action (through the action runner, exactly as Rasa would call
it), which fills whatever slots the message gives ("5000 over 2 years" fills two), corrects
slots given again ("make it 8000") and reads a choice given in other words by meaning
("for when I stop working"). Then, in order:

- "cancel" / "stop" -> the form ends, nothing kept;
- a value that won't do -> the reason, and the question again;
- any slot filled -> the next question (or the tool); such a message is an answer whatever
  the intent model guessed for it (a "restart" or "thanks" guess is ignored);
- nothing for the form: `advance` returns None and the dialogue manager decides. An
  explicit restart (restart words as `bot.dialogue.restart_words.asks_to_restart` reads them, a
  button, or the restart intent at `LEAVE_CONFIDENCE` or more) or a request for a person
  ends the form; another question is answered and the form's question asked again (topic
  switch); anything else is asked again (`missed`); after `MAX_ATTEMPTS` misses the form
  ends, so a session is never stuck in a form;
- every slot filled -> the tool action runs and its answer ends the form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.actions.runner import ActionRunner, ToolFailure, tracker_state
from bot.dialogue.answer_hints import answer_hint
from bot.dialogue.choices import asks_something, match_choice, narrowed_choices
from bot.dialogue.leave_words import CANCEL
from bot.dialogue.slot_display import SlotFill, display_value, understood_note
from bot.dialogue.state import SessionState
from bot.kb import Form, FormSlot, KnowledgeBase
from bot.messages import say
from bot.nlu.entities import names_a_value
from bot.nlu.segments import words
from bot.payloads import intent_payload, parse_payload
from bot.response import Action, Button

MAX_ATTEMPTS = 3
# A "restart" guess ends a form only at this confidence (the usual intent bar is 0.5): the
# form holds answers the customer typed, and an answer the form could not read ("a new
# kitchen") can look like "start again" to the intent model at 0.5-0.7.
LEAVE_CONFIDENCE = 0.8
# The longest answer taken as a slot's `fallback_choice` (a purpose, not a story).
MAX_OTHER_WORDS = 12
# Words that say the customer has no answer yet ("hmm, let me think", "not sure").
NO_ANSWER_YET = re.compile(r"\b(not sure|unsure|(don'?t|do not) know|dunno|no idea|let me think|"
                           r"hm+|um+|not yet|wait|why)\b", re.IGNORECASE)
UNREADABLE = "form.unreadable"  # a message id (bot.messages)
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
    # What this message answered, for the turn's explanation (see bot.response.SLOTS_FILLED).
    slots_filled: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Validation:
    """What `validate_<form>` made of one message."""

    filled: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # slot -> what was wrong
    messages: list[str] = field(default_factory=list)  # e.g. "Got it: ..., so '...'."
    by_meaning: dict[str, dict[str, Any]] = field(default_factory=dict)  # slot -> phrase


def handoff_button() -> Button:
    return Button(title=say("form.handoff_button"), payload=intent_payload("human_handoff"))


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
        found = self._validate(state, form, text)
        reply = self._next(state, form)
        reply.text = "\n\n".join(p for p in [form.intro, *found.problems.values(), reply.text]
                                 if p)
        reply.slots_filled = self._explain(form, found)
        return reply

    def advance(self, state: SessionState, text: str) -> FormReply | None:
        """Read one message of the active form as an answer. None: it gives the form
        nothing (no slot, no problem with the slot asked), and the form stays open for the
        dialogue manager to decide (a side question, a restart, or `missed`)."""
        form = self.kb.forms.get(state.active_form or "")
        if form is None:  # the KB changed under a running form
            state.end_form()
            return None
        if CANCEL.search(text):
            return self.cancel(state)
        requested = state.requested_slot
        which = self._which_choice(form, state, text)
        if which is not None:
            return which
        found = self._validate(state, form, text)
        filled = found.filled
        if requested in found.problems:
            reply = self._retry(state, form, found.problems[requested])
            reply.slots_filled = self._explain(form, found)
            return reply
        if requested not in filled and not filled:
            return None
        state.form_attempts = 0
        corrected = [n for n in filled if n != requested]
        # Said before `_next`, which clears the slots when this answer completes the form.
        notes = ", ".join(self._note(self._slot(form, n), state.slots[n]) for n in corrected)
        reply = self._next(state, form)
        if corrected and (CORRECTION_WORDS.search(text) or requested not in filled):
            reply.text = f"{say('form.got_it', notes=notes)}\n\n{reply.text}"
        reply.slots_filled = self._explain(form, found)
        extra = [m for m in found.messages if m]
        if extra:
            reply.text = "\n\n".join([*extra, reply.text])
        return reply

    def cancel(self, state: SessionState) -> FormReply:
        """End the active form, nothing kept."""
        form = self.kb.forms[state.active_form or ""]
        self._clear(state, form)
        return FormReply("form_cancel", say("form.cancelled", form=form.title.lower()),
                         form=form.name)

    def take_in_other_words(self, state: SessionState, text: str,
                            first_try: bool = False) -> FormReply | None:
        """An answer in words no choice matches, to a question whose slot has a
        `fallback_choice` ("What is the loan for?" - "Replacing the boiler in my house"):
        taken as that choice and said back (the customer can correct it), rather than asked
        again. `first_try`: also a first answer (one nothing else reads: not a side question
        read loosely); else only an answer given again after a miss. None: no such slot, a
        first try not allowed, or no answer-like text (a question, one word, a paragraph)."""
        form = self.kb.forms.get(state.active_form or "")
        if (form is None or state.requested_slot is None
                or (state.form_attempts < 1 and not first_try)):
            return None
        slot = self._slot(form, state.requested_slot)
        if (slot.fallback_choice is None or not 2 <= words(text) <= MAX_OTHER_WORDS
                or asks_something(text) or NO_ANSWER_YET.search(text)):
            return None
        if state.form_attempts < 1 and names_a_value(text):
            return None  # "500 euros" answers another question: asked again first
        choice = next(c for c in slot.choices if c.value == slot.fallback_choice)
        state.slots[slot.name] = choice.value
        state.form_attempts = 0
        reply = self._next(state, form)
        fill = SlotFill(choice.value, choice.title)
        reply.text = f"{understood_note(slot, text, fill)}\n\n{reply.text}"
        reply.slots_filled = {slot.name: {"value": choice.value, "display": choice.title,
                                          "in_other_words": True}}
        return reply

    def _which_choice(self, form: Form, state: SessionState, text: str) -> FormReply | None:
        """For a short answer that fits several of the asked slot's choices and names none
        ("car": a new or a used one?), the question between those only, before the answer
        is matched by meaning (which would guess one); not counted as a miss. None when
        the answer names a choice or a value, fits no such set, or this very question was
        the last reply (the same answer again is read as usual, never asked about in a
        loop)."""
        slot = next((s for s in form.slots if s.name == state.requested_slot), None)
        if (slot is None or slot.type != "choice" or match_choice(slot, text) is not None
                or names_a_value(text)):
            return None
        values = narrowed_choices(slot, text, task=form.title)
        if not values:
            return None
        fitting = [c for c in slot.choices if c.value in values]
        titles = [f"'{c.title}'" for c in fitting]
        listed = f"{', '.join(titles[:-1])} {say('form.choice_or')} {titles[-1]}"
        question = say("form.which_choice", choices=listed)
        if state.history and state.history[-1].bot_text == question:
            return None
        return FormReply("form_ask", question,
                         [Button(title=c.title, payload=c.title) for c in fitting],
                         form=form.name)

    def missed(self, state: SessionState) -> FormReply:
        """The message was neither an answer nor anything else to act on: ask again."""
        form = self.kb.forms[state.active_form or ""]
        return self._retry(state, form, say("form.not_caught"))

    def ask_again(self, state: SessionState, lead: str) -> FormReply:
        """The question asked again after `lead` ("Great."), for a message that is neither an
        answer nor a failed one (a courtesy): no attempt is counted."""
        form = self.kb.forms[state.active_form or ""]
        if state.requested_slot is None:
            return self._next(state, form)
        slot = self._slot(form, state.requested_slot)
        return FormReply("form_ask", f"{lead} {slot.ask}".strip(), slot_buttons(slot),
                         form=form.name)

    def reask(self, state: SessionState) -> str:
        """The question to add after answering an off-topic message inside a form."""
        form = self.kb.forms.get(state.active_form or "")
        slot = self._slot(form, state.requested_slot) if form and state.requested_slot else None
        if form is None or slot is None:
            return ""
        return say("form.carry_on", form=form.title.lower(), question=slot.ask)

    def reask_buttons(self, state: SessionState) -> list[Button]:
        form = self.kb.forms.get(state.active_form or "")
        slot = self._slot(form, state.requested_slot) if form and state.requested_slot else None
        return slot_buttons(slot) if slot else []

    # -- steps ---------------------------------------------------------------------------

    @staticmethod
    def _slot(form: Form, name: str | None) -> FormSlot:
        return next(s for s in form.slots if s.name == name)

    def _validate(self, state: SessionState, form: Form, text: str) -> Validation:
        """Run `validate_<form>`; apply its slot events."""
        tracker = tracker_state(state.session_id,
                                {**state.slots, "requested_slot": state.requested_slot},
                                text, form.name)
        found = Validation()
        try:
            result = self.runner.run(f"validate_{form.name}", tracker)
        except ToolFailure:  # the runner logged why; the customer is asked again
            if state.requested_slot is not None:
                asked = self._slot(form, state.requested_slot)
                found.problems[asked.name] = f"{say(UNREADABLE)} {answer_hint(asked)}"
            return found
        for response in result.responses:
            custom = response.get("custom") or {}
            if custom.get("invalid_slot"):
                found.problems[str(custom["invalid_slot"])] = str(response.get("text") or "")
                continue
            if custom.get("understood_slot"):
                found.by_meaning[str(custom["understood_slot"])] = {
                    "by_meaning": custom.get("by_meaning"),
                    "similarity": custom.get("similarity")}
            if response.get("text"):
                found.messages.append(str(response["text"]))
        for name, value in result.slot_updates().items():
            if value is None:
                state.slots.pop(name, None)
            else:
                state.slots[name] = value
                found.filled[name] = value
        return found

    @staticmethod
    def _note(slot: FormSlot, value: Any) -> str:
        """A slot's new value said back: "loan amount €6,500"; a choice in quotes, so that
        it reads apart from the slot's name ("housing 'I rent'")."""
        shown = display_value(slot, value)
        if slot.type == "choice":
            return say("form.choice_note", label=slot.spoken_name, title=shown)
        return f"{slot.spoken_name} {shown}"

    def _explain(self, form: Form, found: Validation) -> dict[str, dict[str, Any]]:
        """slot -> value, display (and the phrase matched, for an answer read by meaning)."""
        return {name: {"value": value, "display": display_value(self._slot(form, name), value),
                       **found.by_meaning.get(name, {})}
                for name, value in found.filled.items()}

    def _retry(self, state: SessionState, form: Form, reason: str) -> FormReply:
        state.form_attempts += 1
        if state.form_attempts >= MAX_ATTEMPTS:
            self._clear(state, form)
            return FormReply(
                "form_cancel",
                f"{reason} {say('form.given_up', form=form.title.lower())}",
                buttons=[handoff_button()],
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
                say("form.tool_failed", form=form.title.lower()),
                buttons=[handoff_button()],
                form=form.name,
            )
        return FormReply("tool_result", result.text or "Done.", data=result.custom,
                         images=result.images, form=form.name)

    @staticmethod
    def _clear(state: SessionState, form: Form) -> None:
        for slot in form.slots:
            state.slots.pop(slot.name, None)
        state.end_form()
