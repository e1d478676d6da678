"""`validate_<form>`: the Rasa form validation action for each form in the knowledge base.

It reads the slot values out of the latest user message with Teller's entity parsers
(`bot.dialogue.slots`), checks them against the form's declared ranges and returns
`SlotSet` events; a value that won't do is explained to the customer and the requested
slot is cleared so it is asked again. A choice answered in other words (matched by meaning,
with the `PhraseMatcher` it was given) is said back ("Got it: ..., so '...'."), with
`{"understood_slot": <slot>, "by_meaning": <phrase>, "similarity": <cosine>}` as its custom
payload. Rasa calls it after every user message of an active form; Teller's dialogue
manager calls it the same way through the executor.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.dialogue.slot_display import understood_note
from bot.dialogue.slots import fill_slots
from bot.kb import Form
from bot.nlu.paraphrase import PhraseMatcher


class KbFormValidationAction(FormValidationAction):
    def __init__(self, form: Form, matcher: PhraseMatcher | None = None) -> None:
        self.form = form
        self.matcher = matcher

    def name(self) -> str:
        return f"validate_{self.form.name}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = str((tracker.latest_message or {}).get("text") or "")
        # A Rasa tracker's slot may hold anything: only the name of one of this form's slots
        # is a slot asked.
        slot_asked = tracker.get_slot("requested_slot")
        requested = (slot_asked if any(slot.name == slot_asked for slot in self.form.slots)
                     else None)
        current = {slot.name: tracker.get_slot(slot.name) for slot in self.form.slots}
        result = fill_slots(self.form, text, requested, matcher=self.matcher,
                            current={k: v for k, v in current.items() if v is not None})
        events: list[EventType] = [
            SlotSet(name, fill.value) for name, fill in result.values.items()
        ]
        for name, fill in result.values.items():
            if fill.paraphrase is not None:
                asked = next(s for s in self.form.slots if s.name == name)
                dispatcher.utter_message(
                    text=understood_note(asked, text, fill),
                    json_message={"understood_slot": name, "by_meaning": fill.paraphrase.phrase,
                                  "similarity": fill.paraphrase.similarity})
        for slot, problem in result.problems.items():
            dispatcher.utter_message(text=problem, json_message={"invalid_slot": slot})
            events.append(SlotSet(slot, None))
        return events


def validation_actions(forms: dict[str, Form], matcher: PhraseMatcher | None = None
                       ) -> list[KbFormValidationAction]:
    return [KbFormValidationAction(form, matcher) for form in forms.values()]


def required_slots_domain(forms: dict[str, Form]) -> dict[str, Any]:
    """The `forms` part of a Rasa domain for these forms."""
    return {"forms": {name: {"required_slots": [s.name for s in form.slots]}
                      for name, form in forms.items()}}
