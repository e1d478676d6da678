"""Several details in one message go to the right questions: a cue word in the same clause
names the slot a number belongs to; a correction goes to the slot that can take it."""

from __future__ import annotations

import pytest

from bot.dialogue.slots import fill_slots
from bot.kb import KnowledgeBase


def values(kb: KnowledgeBase, form: str, text: str, asked: str | None) -> dict[str, object]:
    result = fill_slots(kb.forms[form], text, asked)
    assert result.problems == {}, result.problems
    return {name: fill.value for name, fill in result.values.items()}


@pytest.mark.parametrize(("text", "asked", "expected"), [
    ("I want to borrow 8000 over 4 years to do up my kitchen", None,
     {"amount": 8000, "duration_months": 48, "purpose": "repairs"}),
    ("41, employed for 10 years, I own my place, got about 3k in savings", "age",
     {"age": 41, "employment_years": 10, "housing": "own", "savings": 3000}),
    ("need 12k, I'm 52, renting, 2 years at my job, 4000 saved", None,
     {"amount": 12000, "age": 52, "housing": "rent", "employment_years": 2, "savings": 4000}),
    ("I'm 34 and I've been at my company 6 years", "age", {"age": 34, "employment_years": 6}),
    # a thousands comma is inside the number, not between clauses
    ("the dealer dropped the price, so 5,200 is all I need now", "age", {"amount": 5200}),
    # "I am" is the nearer cue, but 8 years is no age: the employer's cue takes it
    ("24 months, I am since 8 years by the same employer", "purpose",
     {"duration_months": 24, "employment_years": 8}),
    ("a new boiler, need to borrow 3500 over 3 years", None,
     {"amount": 3500, "duration_months": 36, "purpose": "repairs"}),
])
def test_each_number_goes_to_the_slot_its_words_name(default_kb: KnowledgeBase, text: str,
                                                     asked: str | None,
                                                     expected: dict[str, object]) -> None:
    assert values(default_kb, "loan_application", text, asked) == expected


def test_a_correction_the_asked_slot_cannot_take_goes_where_it_fits(
    default_kb: KnowledgeBase
) -> None:
    assert values(default_kb, "loan_application", "actually make it 8000", "age") == {
        "amount": 8000}
    # without a correction word, a number out of range for the question is a problem
    result = fill_slots(default_kb.forms["loan_application"], "8000", "age")
    assert "age" in result.problems and result.values == {}


def test_the_portfolio_form_reads_age_and_horizon_together(default_kb: KnowledgeBase) -> None:
    assert values(default_kb, "portfolio_advice", "I'm 45 and want to invest for 15 years",
                  "age") == {"age": 45, "horizon_years": 15}


@pytest.mark.parametrize(("text", "asked", "expected"), [
    ("oops I meant 34, not 43", "housing", {"age": 34}),          # the slot that held 43
    ("no wait, 12000 is enough", "duration_months", {"amount": 12000}),
    ("ah sorry, change the amount to 2500 would you", "savings", {"amount": 2500}),
    ("correction, the amount is 6000 not 5000", "age", {"amount": 6000}),
    # the current value named, then the new one: the slot that held it, not the employer's
    ("Sorry, I want to change. Two years, every month is too heavy for me. Please make it "
     "four years.", "purpose", {"duration_months": 48}),
    # ... but not a value its words give to another slot
    ("sorry, 2 years is fine and I have been 5 years with my employer", "purpose",
     {"duration_months": 24, "employment_years": 5}),
])
def test_a_correction_changes_the_answer_it_corrects(default_kb: KnowledgeBase, text: str,
                                                     asked: str,
                                                     expected: dict[str, object]) -> None:
    given = {"amount": 5000, "duration_months": 24, "age": 43, "employment_years": 6}
    result = fill_slots(default_kb.forms["loan_application"], text, asked, current=given)
    assert {name: fill.value for name, fill in result.values.items()} == expected
    assert result.problems == {}


@pytest.mark.parametrize(("text", "asked", "given", "expected"), [
    # the savings asked, but "make that" takes back the amount given before
    ("Actually, make that twelve grand, her parents are chipping in after all.", "savings",
     {"amount": 15000, "duration_months": 48}, {"amount": 12000}),
    ("no, make it 4 years", "savings", {"amount": 15000, "duration_months": 24},
     {"duration_months": 48}),
    # words that name the slot win: these are the savings
    ("make that 3k in savings", "savings", {"amount": 15000}, {"savings": 3000}),
    # "make it" alone may answer the question asked
    ("make it 3 years", "duration_months", {"amount": 15000}, {"duration_months": 36}),
    # the amount changes, and the rest of the message still answers the question asked
    ("actually make it 6000 euros, for new furniture", "purpose",
     {"amount": 5000, "duration_months": 24}, {"amount": 6000, "purpose": "furniture"}),
])
def test_words_that_take_back_an_answer_change_it_not_the_question_asked(
        default_kb: KnowledgeBase, text: str, asked: str, given: dict[str, object],
        expected: dict[str, object]) -> None:
    result = fill_slots(default_kb.forms["loan_application"], text, asked, current=given)
    assert {name: fill.value for name, fill in result.values.items()} == expected


def test_the_choice_asked_is_read_by_meaning_in_the_clause_without_a_value(
        default_kb: KnowledgeBase, encoder) -> None:
    """"I am 36 years old" gives the age; the other clause answers the purpose asked, in
    words no synonym holds."""
    from bot.nlu.paraphrase import EmbeddingPhraseMatcher

    matcher = EmbeddingPhraseMatcher(encoder)
    result = fill_slots(default_kb.forms["loan_application"],
                        "doing up the spare room for the baby, I am 36 years old", "purpose",
                        matcher=matcher, current={"amount": 3500, "duration_months": 24})
    assert {n: f.value for n, f in result.values.items()} == {"age": 36, "purpose": "repairs"}
    assert result.values["purpose"].paraphrase is not None


@pytest.mark.parametrize(("text", "asked", "current", "expected"), [
    # the number the customer says they gave before is the old value
    ("oh wait i put 22 lol im 23 now, bday was last week", "housing",
     {"amount": 2000, "duration_months": 12, "age": 22, "employment_years": 2}, {"age": 23}),
    # a bare number corrected beside a duration is in its unit (4 years, not 4 months)
    ("Wait, I want change the time to 2 years, not 4. Shorter time, less interest, right?",
     "employment_years", {"amount": 20000, "duration_months": 48, "age": 36},
     {"duration_months": 24}),
    # "I said 3 years" alone says the answer again
    ("I said 3 years", "duration_months", {"amount": 5000}, {"duration_months": 36}),
])
def test_an_old_value_named_beside_a_new_one_is_not_the_answer(
        default_kb: KnowledgeBase, text: str, asked: str, current: dict[str, object],
        expected: dict[str, object]) -> None:
    result = fill_slots(default_kb.forms["loan_application"], text, asked, current=current)
    assert {name: fill.value for name, fill in result.values.items()} == expected


def test_the_age_the_customer_will_have_is_not_their_age(default_kb: KnowledgeBase) -> None:
    assert values(default_kb, "portfolio_advice", "fifty, I'll be fifty-one in March",
                  "age") == {"age": 50}
