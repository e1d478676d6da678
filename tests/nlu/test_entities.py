from datetime import date

import pytest

from bot.nlu.entities import extract_entities, parse_number, yes_no

TODAY = date(2026, 11, 26)


def found(text: str) -> list[tuple[str, object, str | None]]:
    return [(e.kind, e.value, e.unit) for e in extract_entities(text, TODAY)]


@pytest.mark.parametrize(("text", "expected"), [
    ("about 5k", [("money", 5000.0, None)]),
    ("€5,000", [("money", 5000.0, "EUR")]),
    ("5000 EUR", [("money", 5000.0, "EUR")]),
    ("1.500,50 euros", [("money", 1500.5, "EUR")]),
    ("ten thousand pounds", [("money", 10000.0, "GBP")]),
    ("$1,200.50", [("money", 1200.5, "USD")]),
    ("twenty grand", [("money", 20000.0, None)]),
    ("18000 bucks, in euros I mean", [("money", 18000.0, None)]),  # slang: no currency
    ("2 years", [("duration", 24, "months")]),
    ("18 months", [("duration", 18, "months")]),
    ("half a year", [("duration", 6, "months")]),
    ("a year", [("duration", 12, "months")]),
    ("5.5%", [("percentage", 5.5, None)]),
    ("I'm 34", [("age", 34, None)]),
    ("34 years old", [("age", 34, None)]),
    ("3 March 2027", [("date", "2027-03-03", None)]),
    ("March 3", [("date", "2027-03-03", None)]),  # already past this year: next year
    ("tomorrow", [("date", "2026-11-27", None)]),
    ("2026-12-01", [("date", "2026-12-01", None)]),
    ("48", [("number", 48.0, None)]),
    # units as customers type them: short forms and common typos
    ("10y", [("duration", 120, "months")]),
    ("3 yeras", [("duration", 36, "months")]),
    ("4 yers", [("duration", 48, "months")]),
    ("6 mnths", [("duration", 6, "months")]),
])
def test_single_values(text: str, expected: list[tuple[str, object, str | None]]) -> None:
    assert found(text) == expected


def test_several_values_in_one_message_each_read_once() -> None:
    assert found("I'm 45 and want to borrow 20k over 5 years") == [
        ("age", 45, None), ("money", 20000.0, None), ("duration", 60, "months")]


def test_numbers_and_yes_no() -> None:
    assert parse_number("1,234,567") == 1234567
    assert parse_number("2.5") == 2.5
    assert parse_number("abc") is None
    assert yes_no("yes please") is True and yes_no("nope") is False
    assert yes_no("I would like to know my balance") is None
    assert found("") == []


def test_spoken_numbers_and_words_that_only_look_like_amounts() -> None:
    assert [(e.kind, e.value) for e in extract_entities("thirty-nine")] == [("number", 39)]
    assert [(e.kind, e.value) for e in extract_entities("I am thirty nine")] == [("number", 39)]
    assert [e.kind for e in extract_entities("I am tired")] == []  # "a m": no million
    assert [(e.kind, e.value) for e in extract_entities("a grand")] == [("money", 1000.0)]


@pytest.mark.parametrize(("text", "numbers"), [
    ("its a secondhand one, used car", []), ("Sorry, random one, but how much?", []),
    ("the new one hasn't come", []), ("one", [1.0]), ("just one", [1.0]),
    ("I have one card", [1.0]), ("twenty one", [21]),
    # "one" counting a question or a thing in the conversation, not an answer
    ("Sorry, one question. How much is the commission every year for this?", []),
    ("one more thing, what is the fee?", []), ("one of my cards is blocked", []),
])
def test_one_after_an_article_or_adjective_is_a_pronoun(text: str, numbers: list[float]) -> None:
    assert [e.value for e in extract_entities(text) if e.kind == "number"] == numbers


SPANISH_UNITS = {"unit.year": "año", "unit.years": "años", "unit.month": "mes",
                 "unit.months": "meses"}


@pytest.mark.parametrize(("text", "months"), [
    ("3 años", 36), ("18 meses", 18), ("1 año", 12), ("quiero 5000 euros a 2 años", 24),
    ("2 years", 24),  # English units are read in every language
])
def test_a_locale_s_unit_words_read_its_durations(text: str, months: int) -> None:
    from bot.messages import MESSAGES, speaking

    with speaking({**MESSAGES, **SPANISH_UNITS}):
        durations = [e.value for e in extract_entities(text) if e.kind == "duration"]
    assert durations == [months]


def test_unit_words_of_another_language_are_not_read_in_english() -> None:
    assert [e.kind for e in extract_entities("3 años")] == ["number"]


def test_a_number_word_inside_another_word_is_no_number() -> None:
    """"préstamo" (a loan) ends in "a mo": not one month."""
    assert extract_entities("quisiera pedir un préstamo personal") == []
    assert [e.value for e in extract_entities("over a year")] == [12]


@pytest.mark.parametrize("text", ["can I take the money out at any time?", "any",
                                  "cancel at anytime", "a yes or no", "anyway"])
def test_a_word_that_starts_with_a_number_word_is_no_duration(text: str) -> None:
    """"any" is not "an" + "y" (a year): a number word stands apart from its unit."""
    assert [e for e in extract_entities(text) if e.kind == "duration"] == []


@pytest.mark.parametrize(("text", "months"), [("a year", 12), ("two years", 24),
                                              ("ten-year", 120), ("10y", 120), ("6mths", 6),
                                              ("one and a half years", 18)])
def test_durations_keep_number_words_and_digits_run_into_their_unit(text: str,
                                                                     months: int) -> None:
    assert [e.value for e in extract_entities(text) if e.kind == "duration"] == [months]


@pytest.mark.parametrize(("text", "months"), [("twenty-four months", 24),
                                              ("thirty six months", 36),
                                              ("over twenty-five years", 300)])
def test_a_compound_number_word_with_a_unit_is_one_duration(text: str, months: int) -> None:
    entities = extract_entities(text)
    assert [(e.kind, e.value) for e in entities] == [("duration", months)]


def test_a_compound_number_word_alone_is_still_a_number() -> None:
    assert [(e.kind, e.value) for e in extract_entities("I am thirty-nine")] == [("number", 39)]


@pytest.mark.parametrize(("text", "expected"), [
    ("twelve hundred", [("number", 1200, None)]),  # the form says what it is an amount of
    ("fifteen hundred euros", [("money", 1500, "EUR")]),
    ("twenty-five thousand", [("money", 25000, None)]),
    ("twenty five grand", [("money", 25000, None)]),
    ("a hundred and fifty quid", [("money", 150, "GBP")]),
    ("two and a half thousand", [("money", 2500, None)]),
    ("one hundred thousand", [("money", 100000, None)]),
    ("one thousand two hundred and fifty euros", [("money", 1250, "EUR")]),
    ("make that twelve grand", [("money", 12000, None)]),
])
def test_amounts_written_in_words_are_read_whole(
        text: str, expected: list[tuple[str, object, str | None]]) -> None:
    """"twelve hundred" is 1,200, not 12; "twenty-five thousand" is not 25 or 5,000."""
    assert found(text) == expected


def test_a_hundred_percent_is_no_amount_and_durations_keep_their_words() -> None:
    assert found("a hundred percent sure") == []
    assert found("two and a half years") == [("duration", 30, "months")]


def test_a_couple_and_a_few_are_round_figures() -> None:
    assert found("a couple of years") == [("duration", 24, "months")]
    assert found("a few months") == [("duration", 3, "months")]
    assert found("a couple of hundred") == [("number", 200, None)]
    assert found("a few grand") == [("money", 3000, None)]
    assert found("a few questions") == []
