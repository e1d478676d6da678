"""Which sentences answer, and which passages back a reply (`bot.retrieval.passages`)."""

from dataclasses import replace

import numpy as np
import pytest

from bot.kb import Passage, SourceDocument
from bot.retrieval.answer_types import wanted
from bot.retrieval.passages import (
    ANSWER_TYPE_CONFIDENCE,
    PassageRanker,
    backs,
    figures,
    split_units,
    units_of,
)

FEES = Passage(
    id="fees-international-p2",
    text="International transfer in US dollars (USD): EUR 9.75 per transfer\n"
         "International transfer in pounds sterling (GBP): EUR 6.25 per transfer",
    source=SourceDocument(document="Fee Schedule 2026", file="fees.pdf",
                          section="International payments", page=2),
)


def test_table_rows_stay_whole_and_prose_splits_into_sentences() -> None:
    assert split_units("Card replacement: EUR 8.00\nWe post it. It arrives in 5 days.") == [
        "Card replacement: EUR 8.00", "We post it.", "It arrives in 5 days."]


def test_figures_are_the_numbers_a_text_states() -> None:
    assert figures("Call +353 21 490 3399, open 9:30 to 16:00, EUR 9.75 or 2.5% in 5 days") == {
        "353", "21", "490", "3399", "9:30", "16:00", "9.75", "2.5"}


def test_a_reply_is_backed_by_a_passage_that_states_its_figures() -> None:
    said = "Sending money abroad in US dollars costs EUR 9.75, in pounds sterling EUR 6.25."
    assert backs(said, 0.75, FEES)
    assert not backs("Sending money abroad in US dollars costs EUR 9.50.", 0.75, FEES)
    assert not backs(said, 0.6, FEES)  # the same figures on another topic
    assert not backs("Sending money abroad is quick and easy.", 0.8, FEES)  # nothing to check
    assert backs("International transfers in dollars cost a fee per transfer.", 0.92, FEES)


def test_a_sentence_stating_the_kind_of_fact_asked_for_ranks_first(tiny_kb) -> None:
    """"How much" wants an amount: the fee row outranks a slightly closer sentence that
    states none, and the confidence counts the match of kinds."""
    source = SourceDocument(document="Help Centre", file="help.html", section="Lost cards")
    prose = Passage(id="help-lost-cards", source=source,
                    text="The new card has a new number, so update your subscriptions.")
    kb = replace(tiny_kb, passages={FEES.id: FEES, prose.id: prose})
    ranker = PassageRanker(kb, units_of(kb))
    order = [u.passage_id for u in ranker.units]
    scores = np.array([0.66, 0.60], dtype=np.float32)
    ids = np.array([order.index(prose.id), order.index(FEES.id)])
    best, runner_up = ranker.hits("how much to send dollars", wanted("how much to send dollars"),
                                  scores, ids, top_k=2)
    assert best.passage.id == FEES.id and best.states_wanted
    assert best.score == pytest.approx(0.60 + ANSWER_TYPE_CONFIDENCE)
    assert runner_up.passage.id == prose.id and not runner_up.states_wanted
    (only,) = ranker.hits("tell me about new cards", wanted("tell me about new cards"),
                          scores[:1], ids[:1], top_k=2)
    assert only.passage.id == prose.id and only.score == pytest.approx(0.66)
