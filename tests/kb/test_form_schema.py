"""Forms that call Teller's tools are checked against the tools' published input schemas:
a slot inherits the type, unit, limits and choices it leaves out, may restate them only
equal, and must exist when the action needs it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.dialogue.slots import fill_slots
from bot.kb import KnowledgeBaseError, load_knowledge_base
from bot.tools.credit_risk.schema import FORM_INPUT as CREDIT_RISK_INPUT
from bot.tools.portfolio.questionnaire import FORM_INPUT as PORTFOLIO_INPUT
from knowledge_base import DEFAULT_KB_DIR

Forms = list[dict[str, Any]]


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """The default KB in its main language only: its locales would add their own problems
    for each form edited here (tests/kb/test_locales.py checks those)."""
    folder = tmp_path / "kb"
    shutil.copytree(DEFAULT_KB_DIR, folder, ignore=shutil.ignore_patterns("locales"))
    return folder


def edit_forms(folder: Path, change: Callable[[Forms], None]) -> None:
    path = folder / "forms.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["forms"])
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def slot(forms: Forms, form: str, name: str) -> dict[str, Any]:
    entry = next(f for f in forms if f["name"] == form)
    found: dict[str, Any] = next(s for s in entry["slots"] if s["name"] == name)
    return found


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(folder)
    return [str(p) for p in caught.value.problems]


def test_default_kb_loads_with_the_tools_limits() -> None:
    kb = load_knowledge_base(DEFAULT_KB_DIR)
    for form, schema in (("loan_application", CREDIT_RISK_INPUT),
                         ("portfolio_advice", PORTFOLIO_INPUT)):
        slots = {s.name: s for s in kb.forms[form].slots}
        assert kb.forms[form].action == schema.action
        for wanted in schema.fields:
            loaded = slots[wanted.name]
            assert (loaded.type, loaded.unit, loaded.min, loaded.max) == (
                wanted.type, wanted.unit, wanted.min, wanted.max), wanted.name
            if wanted.choices is not None:
                assert [c.value for c in loaded.choices] == list(wanted.choices)
    amount = next(s for s in kb.forms["loan_application"].slots if s.name == "amount")
    assert (amount.unit, amount.min, amount.max) == ("EUR", 1000, 50000)


def test_limits_that_disagree_with_the_tool_stop_the_kb(kb_dir: Path) -> None:
    def change(forms: Forms) -> None:
        slot(forms, "loan_application", "amount")["max"] = 100000
        slot(forms, "loan_application", "duration_months")["min"] = 12  # equal: fine
        slot(forms, "portfolio_advice", "horizon_years")["unit"] = "months"
        slot(forms, "portfolio_advice", "age")["type"] = "number"

    edit_forms(kb_dir, change)
    assert problems_of(kb_dir) == [
        "forms.yaml: form 'loan_application', field 'slots.amount.max': 100000 disagrees with "
        "action_assess_credit_risk's limit 50000; remove it (the tool's schema sets it) or "
        "make it equal",
        "forms.yaml: form 'portfolio_advice', field 'slots.age.type': 'number' disagrees with "
        "action_recommend_portfolio's type 'age'; remove it (the tool's schema sets it) or "
        "make it equal",
        "forms.yaml: form 'portfolio_advice', field 'slots.horizon_years.unit': 'months' "
        "disagrees with action_recommend_portfolio's unit 'years'; remove it (the tool's "
        "schema sets it) or make it equal",
    ]


def test_a_fallback_choice_must_be_one_of_the_choices(kb_dir: Path) -> None:
    def change(forms: Forms) -> None:
        slot(forms, "loan_application", "purpose")["fallback_choice"] = "anything"

    edit_forms(kb_dir, change)
    assert any("`fallback_choice` 'anything' is not the value of one of the slot's `choices`"
               in problem for problem in problems_of(kb_dir))


def test_choices_and_slots_the_tool_needs(kb_dir: Path) -> None:
    def change(forms: Forms) -> None:
        purpose = slot(forms, "loan_application", "purpose")
        purpose["choices"] = [c for c in purpose["choices"] if c["value"] != "other"]
        purpose["choices"].append({"value": "yacht", "title": "A yacht"})
        purpose.pop("fallback_choice", None)
        loan = next(f for f in forms if f["name"] == "loan_application")
        loan["slots"] = [s for s in loan["slots"] if s["name"] != "savings"]

    edit_forms(kb_dir, change)
    assert problems_of(kb_dir) == [
        "forms.yaml: form 'loan_application', field 'slots.purpose.choices': lacks other; "
        "yacht not allowed: action_assess_credit_risk takes exactly new_car, used_car, "
        "furniture, radio_tv, appliances, repairs, education, retraining, business, other; "
        "give each a title (and synonyms), or leave `choices` out to use the tool's wording",
        "forms.yaml: form 'loan_application', field 'slots': no slot 'savings' (the "
        "applicant's savings), which action_assess_credit_risk needs; add it",
    ]


def test_a_slot_that_omits_limits_inherits_them(kb_dir: Path) -> None:
    def change(forms: Forms) -> None:
        amount = slot(forms, "loan_application", "amount")
        for key in ("type", "unit", "min", "max"):
            amount.pop(key, None)
        slot(forms, "loan_application", "age").update({"min": 18, "max": 100})  # equal
        goal = slot(forms, "portfolio_advice", "goal")
        del goal["choices"], goal["type"]

    edit_forms(kb_dir, change)
    kb = load_knowledge_base(kb_dir)
    loan = kb.forms["loan_application"]
    amount = next(s for s in loan.slots if s.name == "amount")
    assert (amount.type, amount.unit, amount.min, amount.max) == ("money", "EUR", 1000, 50000)
    assert fill_slots(loan, "60000 euros", "amount").problems == {
        "amount": "€60,000 won't work here: it needs to be between €1,000 and €50,000."}
    assert fill_slots(loan, "999 euros", "amount").problems == {
        "amount": "€999 won't work here: it needs to be between €1,000 and €50,000."}
    assert fill_slots(loan, "50000 euros", "amount").values["amount"].value == 50000
    goal = next(s for s in kb.forms["portfolio_advice"].slots if s.name == "goal")
    assert [(c.value, c.title) for c in goal.choices] == [
        ("preserve", "Keep my money safe"), ("income", "Earn a steady income"),
        ("balanced", "A balance of growth and safety"),
        ("growth", "Grow my money over the long term")]


def test_a_banks_own_action_is_left_as_written(kb_dir: Path) -> None:
    (kb_dir / "mortgage.yaml").write_text(
        "intents:\n  - name: mortgage_check\n"
        "    examples: [can I get a mortgage, check my mortgage eligibility]\n"
        "forms:\n  - name: mortgage_check\n    title: Mortgage check\n"
        "    intent: mortgage_check\n    intro: A few questions.\n"
        "    action: action_check_mortgage\n    slots:\n"
        "      - name: amount\n        type: money\n        unit: EUR\n        min: 50000\n"
        "        max: 2000000\n        ask: How much would you like to borrow?\n",
        encoding="utf-8",
    )
    kb = load_knowledge_base(kb_dir)
    [amount] = kb.forms["mortgage_check"].slots
    assert (amount.min, amount.max) == (50000, 2000000)
