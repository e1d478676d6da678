"""Forms that call Teller's own tools take their slots' rules from the tools' input schemas.

A tool publishes the slots its action needs, with type, unit, min / max and allowed choice
values (`bot.tools.registry`; light modules, no model libraries). A form calling that action
may leave those out of a slot (it inherits them) or state them equal; a different value, or
a slot the action needs that the form lacks, is a problem naming the form and the field.
Forms calling other actions (a bank's own) are left as written. This runs on the raw YAML
entry, before the form's own validation (`bot.kb.models.Form`), so what it fills in is
validated like the rest.
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

from bot.tools.inputs import InputField, ToolInput
from bot.tools.registry import tool_input


class FormProblem(NamedTuple):
    """Where and what; the loader adds the file (`KbProblem(file, *problem)`)."""

    entry: str
    field: str
    message: str


DISAGREES: Final = "remove it (the tool's schema sets it) or make it equal"


def with_tool_schema(raw: Any) -> tuple[Any, list[FormProblem]]:
    """The raw form (as read from YAML) with its bound slots completed from the schema of
    the action it calls, and the problems found. Anything malformed is passed on untouched
    for the form's own validation to report."""
    problems: list[FormProblem] = []
    if not isinstance(raw, dict) or not isinstance(raw.get("slots"), list):
        return raw, problems
    schema = tool_input(str(raw.get("action")))
    if schema is None:
        return raw, problems
    label = f"form '{raw.get('name')}'"
    slots: list[Any] = []
    for slot in raw["slots"]:
        name = slot.get("name") if isinstance(slot, dict) else None
        if isinstance(name, str) and name in schema.names:
            slot = _inherit_slot(dict(slot), schema, schema.field(name), label, problems)
        slots.append(slot)
    present = {slot.get("name") for slot in slots if isinstance(slot, dict)}
    for wanted in schema.fields:
        if wanted.name not in present:
            problems.append(FormProblem(label, "slots",
                                        f"no slot '{wanted.name}' ({wanted.description}), "
                                        f"which {schema.action} needs; add it"))
    return {**raw, "slots": slots}, problems


def _inherit_slot(slot: dict[str, Any], schema: ToolInput, wanted: InputField, label: str,
                  problems: list[FormProblem]) -> dict[str, Any]:
    def disagree(key: str, stated: str, what: str, expected: str) -> None:
        problems.append(FormProblem(label, f"slots.{wanted.name}.{key}",
                                    f"{stated} disagrees with {schema.action}'s {what} "
                                    f"{expected}; {DISAGREES}"))

    for key, expected in (("type", wanted.type), ("unit", wanted.unit)):
        if key not in slot:
            if expected is not None:
                slot[key] = expected
        elif slot[key] != expected:
            disagree(key, repr(slot[key]), key, repr(expected) if expected else "(none)")
    for key, limit in (("min", wanted.min), ("max", wanted.max)):
        if limit is None:
            continue  # the tool sets no such limit: the form's own, if any, applies
        stated = slot.get(key)
        if key not in slot:
            slot[key] = int(limit) if float(limit).is_integer() else limit
        elif isinstance(stated, int | float) and not isinstance(stated, bool) \
                and float(stated) != limit:
            disagree(key, _number(stated), "limit", _number(limit))
    if wanted.choices is not None:
        if "choices" not in slot:
            slot["choices"] = [{"value": key, "title": choice.label[:1].upper() + choice.label[1:]}
                               for key, choice in wanted.choices.items()]
        elif isinstance(slot["choices"], list):
            problem = _choice_problem(slot["choices"], schema, wanted)
            if problem:
                problems.append(FormProblem(label, f"slots.{wanted.name}.choices", problem))
    return slot


def _choice_problem(choices: list[Any], schema: ToolInput, wanted: InputField) -> str | None:
    """What differs between a slot's choice values and the tool's, or None."""
    allowed = list(wanted.choices or {})
    values = [c.get("value") for c in choices if isinstance(c, dict)]
    missing = [v for v in allowed if v not in values]
    unknown = [str(v) for v in values if v not in allowed]
    if not missing and not unknown:
        return None
    found = "; ".join(part for part in (f"lacks {', '.join(missing)}" if missing else "",
                                        f"{', '.join(unknown)} not allowed" if unknown else "")
                      if part)
    return (f"{found}: {schema.action} takes exactly {', '.join(allowed)}; give each a title "
            "(and synonyms), or leave `choices` out to use the tool's wording")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
