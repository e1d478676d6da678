"""Which numbers of a form answer are not its answer: the old value a correction replaces
("34, not 43", "oh wait i put 22 lol im 23 now") and a value the customer will have ("fifty,
I'll be fifty-one in March"). `bot.dialogue.slots.fill_slots` reads the rest."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.nlu.entities import Entity, parse_number

# A number given as the old value being corrected: "34, not 43", "6000 instead of 5000".
REPLACED = re.compile(r"\b(not|instead of|rather than|no longer)\s*[€£$]?\s*$", re.IGNORECASE)
# A number the customer says they gave before ("oh wait i put 22 lol im 23 now"): the old
# value, when the message gives another ("I said 3 years" alone says it again).
SAID_BEFORE = re.compile(r"\b(i|i'?ve|i have) (put|put in|wrote|typed|entered|said|gave( you)?)"
                         r"\s*[€£$]?\s*$", re.IGNORECASE)
# A value the customer will have, not has ("fifty, I'll be fifty-one in March"): no answer
# when the message gives another.
AHEAD = re.compile(r"\b(i'?ll be|i will be|i'?m turning|turning|i turn|will turn|going to be|"
                   r"gonna be)\s*$", re.IGNORECASE)


def set_aside(text: str, entities: list[Entity]) -> tuple[list[Entity], list[Entity]]:
    """The numbers given as old values being corrected ("34, not 43", "i put 22 ... im 23"),
    and the entities left to read. A value the customer will have ("I'll be fifty-one in
    March") is left out when another remains. A bare number corrected beside a duration is
    in its unit: "2 years, not 4" replaces 4 years."""
    replaced = [e for e in entities if REPLACED.search(text[:e.start])]
    said = [e for e in entities if e not in replaced and SAID_BEFORE.search(text[:e.start])]
    if said and len(entities) > len(replaced) + len(said):
        replaced += said
    rest = [e for e in entities if e not in replaced]
    ahead = [e for e in rest if AHEAD.search(text[:e.start])]
    if ahead and len(rest) > len(ahead):
        rest = [e for e in rest if e not in ahead]
    return [_in_unit_of(e, rest) for e in replaced], rest


def _in_unit_of(bare: Entity, given: list[Entity]) -> Entity:
    """`bare`, a plain number, as a duration in the unit of the duration given before it."""
    before = [e for e in given if e.kind == "duration" and e.end <= bare.start]
    if bare.kind != "number" or not before:
        return bare
    shown = parse_number(before[-1].text.split()[0])
    if not shown:
        return bare
    factor = float(before[-1].value) / shown
    return replace(bare, kind="duration", value=float(bare.value) * factor, unit=before[-1].unit)
