"""Splitting a message into its parts (pure text rules; the dialogue manager decides)."""

from __future__ import annotations

import pytest

from bot.nlu.segments import (
    asks,
    asks_a_second_question,
    candidate_parts,
    message_parts,
    story_clauses,
    strip_courtesies,
    without_leading_join,
)


@pytest.mark.parametrize(("text", "core", "greeted", "thanked"), [
    ("hi there, my card never came", "my card never came", True, False),
    ("Good morning! how do I change my PIN? thanks", "how do I change my PIN?", True, True),
    ("what's the fee for ATM withdrawals, cheers", "what's the fee for ATM withdrawals", False,
     True),
    ("Good day. Please I wish to borrow for a wedding",
     "Please I wish to borrow for a wedding", True, False),
    ("howya, my card is stuck in the machine", "my card is stuck in the machine", True, False),
    ("good daylight saving time", "good daylight saving time", False, False),
    ("hello", "hello", False, False),  # nothing left: the greeting is the message
    ("thanks a lot", "thanks a lot", False, False),
    ("history of the euro", "history of the euro", False, False),  # "hi" inside a word
])
def test_courtesies_come_off_the_request(text: str, core: str, greeted: bool,
                                         thanked: bool) -> None:
    assert strip_courtesies(text) == (core, greeted, thanked)


@pytest.mark.parametrize(("text", "parts"), [
    ("my card hasn't come. also how much is a transfer to the UK?",
     ["my card hasn't come.", "how much is a transfer to the UK?"]),
    ("hey! I lost my card and I need a loan for a car",
     ["I lost my card", "I need a loan for a car"]),
    ("I want to freeze my card, how long does a refund take?",
     ["I want to freeze my card", "how long does a refund take?"]),
    ("by the way, what are your opening hours", ["what are your opening hours"]),
    ("Morning! Two things while I have you, I'd like to borrow for a new kitchen, and my card "
     "runs out next month",
     ["I'd like to borrow for a new kitchen", "my card runs out next month"]),
    # "also" after "could I" belongs to the second request: the break is before "and"
    ("I need to update my address, and could I also get a statement for my landlord?",
     ["I need to update my address", "could I also get a statement for my landlord?"]),
    # "also" after a modal or an auxiliary stays in its clause
    ("I have moved and must give you my new address; I shall also need a letter confirming it",
     ["I have moved and must give you my new address",
      "I shall also need a letter confirming it"]),
    ("what is my iban and i'll also need the bic", ["what is my iban", "i'll also need the bic"]),
])
def test_requests_are_split_at_sentence_ends_and_joins(text: str, parts: list[str]) -> None:
    assert candidate_parts(text) == parts


@pytest.mark.parametrize("text", [
    "can I send money to the UK and Germany",   # one request about two places
    "card and PIN not working",                  # too short on one side to be two clauses
    "I'd like a loan for a car",
    "Is it possible to also get a disposable virtual card?",  # "also" inside the clause
])
def test_one_request_stays_whole(text: str) -> None:
    assert candidate_parts(text) == [text]


@pytest.mark.parametrize(("text", "parts"), [
    ("there's a charge I didn't make - how do I freeze my card and how do I dispute it?",
     ["there's a charge I didn't make", "how do I freeze my card", "how do I dispute it?"]),
    ("I'd like some advice on investing, and separately what does your saver pay?",
     ["I'd like some advice on investing", "what does your saver pay?"]),
    ("My transfer never arrived and honestly I'd like to speak to someone",
     ["My transfer never arrived", "I'd like to speak to someone"]),
    ("forgot my pin n also wanna kno the max i can pay w contactless",
     ["forgot my pin", "wanna kno the max i can pay w contactless"]),
])
def test_dashes_and_spoken_joins_split_too(text: str, parts: list[str]) -> None:
    assert candidate_parts(text) == parts


@pytest.mark.parametrize(("text", "second"), [
    ("whats the monthly fee and where do i see my iban", True),
    ("I need a statement and I want to close my account", True),
    ("my card's frozen, what can I do?", False),  # the story, then its question
    ("I am worried about my account and would like to dispute a payment", False),
    ("can I send money to the UK and Germany", False),
    # the second clause asks, the first does not
    ("pin is locked cos i typed it wrong and the new card that came today how do i activate it",
     True),
    ("I requested a refund, and never received it. What can I do?", False),  # one story
    ("my card is frozen and I don't know what for", False),  # "what" asks nothing here
    ("I paid last night and again this morning. Both times it was declined. Can you help?",
     False),  # the "and" joins two times, the question is another sentence
])
def test_a_second_question_is_one_joined_by_and(text: str, second: bool) -> None:
    assert asks_a_second_question(text) is second


@pytest.mark.parametrize(("text", "read"), [
    ("btw whats your phone number", "whats your phone number"),
    ("by the way, how much is a transfer", "how much is a transfer"),
    ("quick question: can I freeze my card", "can I freeze my card"),
    ("and to Germany?", "and to Germany?"),  # a follow-up keeps its "and"
    ("also", "also"),  # nothing would be left
])
def test_an_aside_in_front_is_not_read_by_the_models(text: str, read: str) -> None:
    assert without_leading_join(text) == read


def test_a_plus_sign_and_more_things_announce_a_second_request() -> None:
    assert message_parts("how to change pin + wheres my iban") == [
        "how to change pin", "wheres my iban"]
    assert message_parts("Two more things, I need a statement, and how do I set up a direct "
                         "debit?") == ["I need a statement", "how do I set up a direct debit?"]
    assert candidate_parts("2 + 2 cards") == ["2 + 2 cards"]  # no words on both sides


def test_a_one_word_remark_is_no_part() -> None:
    assert candidate_parts("Locked my PIN at the till. Brilliant. How do I fix it?") == [
        "Locked my PIN at the till.", "How do I fix it?"]
    # a request spelt out word by word keeps its words
    assert candidate_parts("GET. ME. A. PERSON.") == ["GET.", "ME.", "A.", "PERSON."]


def test_a_long_sentence_of_story_is_read_in_its_clauses() -> None:
    story = ("the roofer came round Tuesday and quoted nearly eight grand which we just don't "
             "have, so I suppose what I'm asking is would you lend us something towards it, "
             "the kids' room is the worst, ugh")
    assert story_clauses([story], longer_than=12) == [
        "the roofer came round Tuesday and quoted nearly eight grand which we just don't have",
        "so I suppose what I'm asking is would you lend us something towards it",
        "the kids' room is the worst, ugh"]
    assert story_clauses(["my card, the new one, is late"], longer_than=12) == [
        "my card, the new one, is late"]
    assert story_clauses(["I paid 5,200 euro for a sofa that never came and the shop "
                          "won't answer my emails at all"], longer_than=12) == [
        "I paid 5,200 euro for a sofa that never came and the shop won't answer my emails "
        "at all"]


@pytest.mark.parametrize(("text", "asking"), [
    ("wait whats the least i can start with tho, i dont have much rn", True),
    ("hang on, how long does it take", True),
    ("wat time are you open till", True),  # as customers type it
    ("wait a second", False),
    ("sorry, 35", False),
])
def test_a_question_may_start_with_a_word_of_hesitation_or_be_typed_loosely(
        text: str, asking: bool) -> None:
    assert asks(text) is asking


@pytest.mark.parametrize(("text", "parts"), [
    # the question about "it" asks about the clause before it
    ("Hello, I forget PIN to my card, where I can see it? And also contactless don't work in "
     "shop, only with PIN.", ["I forget PIN to my card, where I can see it?",
                              "contactless don't work in shop, only with PIN."]),
    # "can i dispute that" names what it asks for: a part of its own
    ("resturant chargd me 86 insted of 68, they swaped the numbrs, can i dispuet that",
     ["resturant chargd me 86 insted of 68, they swaped the numbrs", "can i dispuet that"]),
])
def test_a_wh_question_about_it_stays_with_the_clause_it_points_back_to(
        text: str, parts: list[str]) -> None:
    assert candidate_parts(text) == parts
