"""Splitting a message into its parts (pure text rules; the dialogue manager decides)."""

from __future__ import annotations

import pytest

from bot.nlu.segments import candidate_parts, strip_courtesies


@pytest.mark.parametrize(("text", "core", "greeted", "thanked"), [
    ("hi there, my card never came", "my card never came", True, False),
    ("Good morning! how do I change my PIN? thanks", "how do I change my PIN?", True, True),
    ("what's the fee for ATM withdrawals, cheers", "what's the fee for ATM withdrawals", False,
     True),
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
])
def test_requests_are_split_at_sentence_ends_and_joins(text: str, parts: list[str]) -> None:
    assert candidate_parts(text) == parts


@pytest.mark.parametrize("text", [
    "can I send money to the UK and Germany",   # one request about two places
    "card and PIN not working",                  # too short on one side to be two clauses
    "I'd like a loan for a car",
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
])
def test_dashes_and_spoken_joins_split_too(text: str, parts: list[str]) -> None:
    assert candidate_parts(text) == parts
