"""Reading form slots out of a customer's message, with the reason when a value won't do.

`fill_slots` is what a form does with each message: the slot it asked for may take a bare
number ("48" for a duration in months), the others only values that name their kind
("5k", "2 years"), so one message can fill several slots ("5000 euros over 2 years for a
car") and a value given again corrects the slot ("actually make it 8000"). A choice asked
for also takes an answer in the customer's own words ("for when I stop working"), matched
by meaning to the choices' phrases when a `PhraseMatcher` is given (see bot.nlu.paraphrase);
a question ("...?") or a request to start again is never matched that way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from bot.dialogue.answer_hints import answer_hint
from bot.dialogue.choices import asks_something, choice_phrases, match_choice, normalise
from bot.dialogue.old_values import set_aside
from bot.dialogue.restart_words import asks_to_restart
from bot.dialogue.slot_display import SlotFill, display_value
from bot.kb import Form, FormSlot
from bot.messages import say
from bot.nlu.chinese import for_forms
from bot.nlu.entities import Entity, extract_entities, yes_no
from bot.nlu.paraphrase import PhraseMatcher

ENTITY_KIND = {"money": "money", "duration": "duration", "percentage": "percentage",
               "age": "age", "date": "date", "yes_no": "yes_no", "number": "number"}


@dataclass
class FillResult:
    values: dict[str, SlotFill] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # slot -> what was wrong


def _span(slot: FormSlot) -> str | None:
    """The slot's range in words: "between €1,000 and €50,000", "at least 18"."""
    low, high = slot.min, slot.max
    if low is not None and high is not None:
        return say("span.between", low=display_value(slot, low),
                   high=display_value(slot, high))
    if low is not None:
        return say("span.at_least", low=display_value(slot, low))
    if high is not None:
        return say("span.at_most", high=display_value(slot, high))
    return None


def _in_range(slot: FormSlot, value: float) -> str | None:
    """The problem with a number outside the slot's range, in words a customer understands."""
    low, high = slot.min, slot.max
    if (low is not None and value < low) or (high is not None and value > high):
        return say("form.out_of_range", value=display_value(slot, value), span=_span(slot))
    return None


def _unusable_number(slot: FormSlot) -> str:
    """The problem with a number too large to read ("9" typed 400 times reads as infinity)."""
    span = _span(slot)
    if span is not None:
        return say("form.too_large_span", span=span)
    return say("form.too_large", hint=answer_hint(slot))


def _word_value(slot: FormSlot, text: str) -> float | None:
    haystack = normalise(text)
    for phrase, value in sorted(slot.words.items(), key=lambda item: -len(item[0])):
        if normalise(for_forms(phrase)) in haystack:
            return value
    return None


def read_slot(slot: FormSlot, text: str, entities: list[Entity], requested: bool
              ) -> SlotFill | str | None:
    """The slot's value from this message, a problem message, or None (nothing for it)."""
    if slot.type == "choice":
        value = match_choice(slot, text, specific_only=not requested)
        return SlotFill(value, display_value(slot, value)) if value else None
    if slot.type == "yes_no":
        answer = yes_no(text) if requested else None
        return SlotFill(answer, display_value(slot, answer)) if answer is not None else None
    if slot.type == "date":
        found = next((e for e in entities if e.kind == "date"), None)
        return SlotFill(found.value, str(found.value)) if found else None

    word = _word_value(slot, text) if requested else None
    if word is not None and word < 0:
        # "unemployed for 2 years", "retired these ten years": the number is not the answer
        return SlotFill(int(word), display_value(slot, int(word)))
    number = _typed_number(slot, entities, requested)
    if isinstance(number, str):
        return number
    if number is None:
        if word is None:
            return None
        number = word
    if not math.isfinite(number):
        return _unusable_number(slot)
    if slot.type in ("age", "duration") and not float(number).is_integer():
        number = round(number)
    problem = _in_range(slot, number)
    if problem:
        return problem
    amount: float | int = int(number) if float(number).is_integer() else number
    return SlotFill(amount, display_value(slot, amount))


def _typed_number(slot: FormSlot, entities: list[Entity], requested: bool
                  ) -> float | str | None:
    kind = ENTITY_KIND.get(slot.type, "number")
    for entity in entities:
        if entity.kind == kind:
            if slot.type == "money":
                currency = slot.unit or "EUR"
                if entity.unit and entity.unit != currency:
                    return say("form.other_currency", currency=currency, amount=entity.text)
            if slot.type == "duration" and (slot.unit or "months") == "years":
                return float(entity.value) / 12
            return float(entity.value)
    if not requested:
        return None
    # The slot we asked for also takes a plain number, in its own unit.
    plain = [e for e in entities if e.kind == "number"]
    if slot.type == "money":
        plain += [e for e in entities if e.kind == "money" and e.unit is None]
    if slot.type == "age":
        plain += [e for e in entities if e.kind == "duration"]  # "34 years" for an age
        if plain and plain[-1].kind == "duration":
            return float(plain[-1].value) / 12
    if len({float(e.value) for e in plain}) == 1:  # "33 this year, so 33": one number
        return float(plain[0].value)
    if len(plain) > 1:
        return say("form.several_numbers", numbers=", ".join(e.text for e in plain))
    return None


# Entity kinds a slot takes when a cue word names it: a bare number next to "borrow" is the
# amount; "10 years" next to "employed" is the time with the employer.
CUED_KINDS = {"money": {"money", "number"}, "age": {"age", "number", "duration"},
              "duration": {"duration"}, "number": {"number"}, "percentage": {"percentage"}}
# Commas and full stops between digits are inside a number ("5,200", "2.5 years").
CLAUSE = re.compile(r"(?<!\d)[,.]|[,.](?!\d)|;|\band\b|\bbut\b")
CORRECTION = re.compile(r"\b(actually|sorry|instead|change|make it|correction|i meant|meant to say|"
                        r"no wait|wait|oops|typo|rather|not)\b", re.IGNORECASE)



def _clauses(text: str) -> list[tuple[int, int]]:
    """The spans of the message's clauses (between commas, "and", full stops)."""
    spans, start = [], 0
    for match in CLAUSE.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _cue_positions(slot: FormSlot, text: str, span: tuple[int, int]) -> list[int]:
    clause = text[span[0]:span[1]].lower()
    return [span[0] + m.start() for cue in slot.cues
            for m in re.finditer(rf"\b{re.escape(for_forms(cue).lower())}\b", clause)]


def cued_entities(form: Form, text: str, entities: list[Entity]) -> dict[str, Entity]:
    """slot -> the number a cue word in the same clause gives it ("got about 3k in savings",
    "employed for 10 years"), the nearest cue winning when a clause has several, unless its
    slot cannot take the value ("I am since 8 years by the same employer": "I am" is nearer,
    but 8 years is no age; the employer's cue gives it)."""
    found: dict[str, Entity] = {}
    taken: set[tuple[int, int]] = set()
    for span in _clauses(text):
        inside = [e for e in entities if span[0] <= e.start < span[1] and e.start != e.end]
        for entity in inside:
            cued: list[tuple[int, int, FormSlot]] = []
            for order, slot in enumerate(form.slots):
                if slot.name in found or entity.kind not in CUED_KINDS.get(slot.type, set()):
                    continue
                distances = [abs(p - entity.start) for p in _cue_positions(slot, text, span)]
                if distances:
                    cued.append((min(distances), order, slot))
            nearest = [slot for *_, slot in sorted(cued, key=lambda c: c[:2])]
            best = next((slot for slot in nearest
                         if isinstance(read_slot(slot, text, [entity], True), SlotFill)),
                        nearest[0] if nearest else None)
            if best is not None and (entity.start, entity.end) not in taken:
                found[best.name] = entity
                taken.add((entity.start, entity.end))
    return found


def fill_slots(form: Form, text: str, requested: str | None, entities: list[Entity] | None = None,
               matcher: PhraseMatcher | None = None,
               current: dict[str, Any] | None = None) -> FillResult:
    """Read every slot of `form` this message gives a value for. Each entity fills at most
    one slot: numbers that a cue word names first ("3k in savings"), then the requested
    slot, then the others in the form's order. A number the requested slot cannot take,
    given as a correction ("actually make it 8000"), goes to the slot it corrects: the one
    whose `current` value it replaces ("34, not 43"), else the first that can take it.
    `matcher` reads the requested choice by meaning when the message gave nothing else.
    A message in Chinese is read through `for_forms` (numbers, units, words)."""
    original, text = text, for_forms(text)
    entities = extract_entities(text) if entities is None else entities
    current = current or {}
    replaced, entities = set_aside(text, entities)
    result = FillResult()
    corrected = (_corrected_slot(form, text, entities, replaced, current)
                 or _changed_from_current(form, text, entities, current))
    if corrected is not None:
        result.values[corrected[0]] = corrected[1]
        return result
    used: set[tuple[int, int]] = set()
    # "actually make it 6000 euros, for new furniture" while the purpose is asked: the
    # amount changes, and the rest still answers the question
    referred = _referred_back(form, text, entities, requested, current)
    if referred is not None:
        name, fill, entity = referred
        result.values[name] = fill
        used.add((entity.start, entity.end))
    for name, entity in cued_entities(form, text, entities).items():
        slot = next(s for s in form.slots if s.name == name)
        reading = read_slot(slot, text, [entity], True)
        if isinstance(reading, SlotFill):
            result.values[name] = reading
            used.add((entity.start, entity.end))
    # A slot answered before takes an unasked, uncued value only as a correction: "the house
    # belongs to me, 15000 euro" while the housing is asked gives the savings, not a new amount.
    correcting = CORRECTION.search(text) is not None
    ordered = sorted((s for s in form.slots if s.name not in result.values
                      and (s.name == requested or s.name not in current or correcting)),
                     key=lambda s: s.name != requested)
    for slot in ordered:
        available = [e for e in entities if (e.start, e.end) not in used or e.start == e.end]
        reading = read_slot(slot, text, available, slot.name == requested)
        if isinstance(reading, str):
            if slot.name == requested:
                moved = _correction_elsewhere(form, text, available, requested, current)
                if moved is not None:
                    result.values[moved[0]] = moved[1]
                    used.update((e.start, e.end) for e in available)
                    continue
                result.problems[slot.name] = reading
                # The rejected value was meant for this slot: no other slot may take it.
                kinds = {ENTITY_KIND.get(slot.type, "number"), "number"}
                used.update((e.start, e.end) for e in available if e.kind in kinds)
            continue
        if reading is None:
            continue
        result.values[slot.name] = reading
        if isinstance(reading.value, int | float) and reading.value < 0:
            # "unemployed for 2 years": the years are said of the word, not of another slot
            used.update((e.start, e.end) for e in available if e.kind in ("duration", "number"))
        for entity in available:
            if _entity_matches(entity, reading.value, slot):
                used.add((entity.start, entity.end))
                break
    if not result.values and not result.problems and requested is not None:
        moved = _correction_elsewhere(form, text, entities, requested, current)
        if moved is not None:
            result.values[moved[0]] = moved[1]
    asked = next((s for s in form.slots if s.name == requested), None)
    if matcher is not None and asked is not None and not result.values and not result.problems:
        by_meaning = read_by_meaning(asked, original, matcher)
        if by_meaning is not None:
            result.values[asked.name] = by_meaning
    elif (matcher is not None and asked is not None and asked.type == "choice"
          and asked.name not in result.values and asked.name not in result.problems
          and original == text):
        # "an e-bike for going to work, I am 36 years old": the other clause gave the age;
        # the one without a value may still answer the question asked, in other words
        for start, end in _clauses(text):
            if any(start <= e.start < end for e in entities) or len(text[start:end].split()) < 2:
                continue
            by_meaning = read_by_meaning(asked, text[start:end].strip(), matcher)
            if by_meaning is not None:
                result.values[asked.name] = by_meaning
                break
    return result


def _corrected_slot(form: Form, text: str, entities: list[Entity], replaced: list[Entity],
                    current: dict[str, Any]) -> tuple[str, SlotFill] | None:
    """"34, not 43": the slot whose value is the number replaced takes the new one."""
    if len(replaced) != 1 or not entities:
        return None
    for slot in form.slots:
        if slot.name in current and slot.type in CUED_KINDS and _entity_matches(
                replaced[0], current[slot.name], slot):
            # the first number the slot can take ("I write one zero more. Is 3000, not
            # 30000": "one" is no amount)
            for entity in entities:
                reading = read_slot(slot, text, [entity], True)
                if isinstance(reading, SlotFill):
                    return slot.name, reading
    return None


def _changed_from_current(form: Form, text: str, entities: list[Entity],
                          current: dict[str, Any]) -> tuple[str, SlotFill] | None:
    """"Two years is too heavy for me, please make it four years": a correction that names
    a slot's current value, then a new value of the same kind: the slot takes the new one
    (not another slot that happens to take it, such as the time with the employer)."""
    if not CORRECTION.search(text) or len(entities) < 2:
        return None
    cued = cued_entities(form, text, entities)
    for slot in form.slots:
        if slot.name not in current or slot.type not in CUED_KINDS:
            continue
        old = [e for e in entities if _entity_matches(e, current[slot.name], slot)]
        if len(old) != 1:
            continue
        # a value whose words give it to another slot ("5 years with my employer") stays there
        elsewhere = {(e.start, e.end) for name, e in cued.items() if name != slot.name}
        later = [e for e in entities if e.start > old[0].start and e.kind == old[0].kind
                 and not _entity_matches(e, current[slot.name], slot)
                 and (e.start, e.end) not in elsewhere]
        for entity in reversed(later):
            reading = read_slot(slot, text, [entity], True)
            if isinstance(reading, SlotFill):
                return slot.name, reading
    return None


# Words that change an answer given before: "Actually, make that twelve grand" while the
# savings are asked changes the amount, as a person reads it ("make it 3 years" alone can
# answer the question asked, so "make it" counts only after a word that takes something back).
REFERS_BACK = re.compile(r"\b(make that|change (that|it)( to)?|i meant|meant to say|correction|"
                         r"should have (said|been)|(actually|sorry|oops|wait|no),? make it)\b",
                         re.IGNORECASE)


def _referred_back(form: Form, text: str, entities: list[Entity], requested: str | None,
                   current: dict[str, Any]) -> tuple[str, SlotFill, Entity] | None:
    """A value given with words that take back an earlier answer goes to the answered slot
    that can take it (the first in the form's order), not to the slot asked, unless the
    message's words name a slot ("make that 3k in savings"). Returns the slot, its new
    value and the entity read for it."""
    if requested is None or requested in current or not REFERS_BACK.search(text):
        return None
    typed = [e for e in entities if e.kind not in ("number", "yes_no")]
    if not typed or cued_entities(form, text, entities):
        return None
    for slot in form.slots:
        if slot.name == requested or slot.name not in current or slot.type not in CUED_KINDS:
            continue
        for entity in typed:
            if entity.kind not in CUED_KINDS[slot.type]:
                continue
            reading = read_slot(slot, text, [entity], True)
            if isinstance(reading, SlotFill):
                return slot.name, reading, entity
    return None


def _correction_elsewhere(form: Form, text: str, entities: list[Entity], requested: str,
                          current: dict[str, Any]) -> tuple[str, SlotFill] | None:
    """A correction whose number the slot asked cannot take ("actually make it 8000" while
    the age or the purpose is asked): the first slot already answered, in the form's order,
    that can take it (a correction changes an answer), else the first other one."""
    if not CORRECTION.search(text) or not entities:
        return None
    candidates = [s for s in form.slots if s.name != requested and s.type in CUED_KINDS]
    for slot in sorted(candidates, key=lambda s: s.name not in current):
        reading = read_slot(slot, text, entities, True)
        if isinstance(reading, SlotFill):
            return slot.name, reading
    return None


def read_by_meaning(slot: FormSlot, text: str, matcher: PhraseMatcher) -> SlotFill | None:
    """A choice asked for, answered in other words. Only when the message gave nothing else
    (an answer to another question is not read as this one), is not a question and does not
    ask to start again ("start over" is near "start-up")."""
    if slot.type != "choice" or asks_something(text) or asks_to_restart(text):
        return None
    found = matcher.match(text, choice_phrases(slot))
    if found is None:
        return None
    return SlotFill(found.option, display_value(slot, found.option), paraphrase=found)


def _entity_matches(entity: Entity, value: Any, slot: FormSlot) -> bool:
    if slot.type in ("choice", "yes_no") or entity.start == entity.end:
        return False
    try:
        number = float(entity.value)
    except (TypeError, ValueError):
        return entity.value == value
    if slot.type == "duration" and (slot.unit or "months") == "years" and entity.kind == "duration":
        number /= 12
    if slot.type == "age" and entity.kind == "duration":
        number /= 12
    return abs(number - float(value)) < 0.51
