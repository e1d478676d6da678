"""Answers from a bank's documents: the sentence or table row closest to the question.

A passage (a document section, `bot.kb.Passage`) is cut into units, each a sentence of prose
or a row of a table. Each unit is embedded with its section heading in front ("International
payments: Transfer in USD: EUR 4 per payment"), so that a row that only makes sense under its
heading is still found. The reply quotes the best unit word for word: nothing is generated,
so nothing can be said that the document does not say.

Ranking is by the dense similarity of the unit, raised when the unit states the kind of
fact the question asks for (an amount for "how much", a clock time for "until what time":
`bot.retrieval.answer_types`); the policy lets such a unit answer instead of an intent whose
reply states no fact of that kind. On the documents benchmark's dev questions (2026-12-05,
`benchmarks/documents.py`, head model) the two took the right answers from 45 to 50 of 76,
with as many unrelated questions answered (3 of 22); counting the whole ranking bonus in the
confidence too gave 51 but answered one more unrelated question. A hybrid ranking that adds
a share of the unit's BM25 score (rank-bm25) is built in, but off: on the dev questions it
answered fewer right (`--lexical-weight`: 40.8% at 0, 38.2% at 0.15, 36.8% at 0.3 before the
answer types; 51, 49 and 50 of 76 at 0, 0.05 and 0.1 with them). No cross-encoder could be
measured: none is available without a model hub. The dense similarity, plus
ANSWER_TYPE_CONFIDENCE for a unit of the wanted kind, is the confidence the policy compares
with its threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.kb import KnowledgeBase, Passage
from bot.retrieval.answer_types import AnswerType, stated

_FIGURE = re.compile(r"\d+(?:[.,:]\d+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9€£$])")
_TOKEN = re.compile(r"[a-z0-9€£$]+")
MIN_UNIT_WORDS = 3
# How much the lexical (BM25) score adds to the dense one when ranking, relative to the best
# lexical score for the question. 0 (off) won on the documents benchmark's dev questions.
LEXICAL_WEIGHT = 0.0
# A unit that states the kind of fact the question asks for (an amount for "how much", a
# clock time for "until what time": `bot.retrieval.answer_types`) ranks this much higher.
ANSWER_TYPE_BONUS = 0.08
# And this much higher in the confidence that the policy compares with its threshold (the
# whole bonus lifted one more unrelated question over it: "what's your rate on a 3 year
# fixed mortgage?" quoted the personal loans' APR).
ANSWER_TYPE_CONFIDENCE = 0.04
# A second sentence of the same passage that ranks almost as high is quoted too (in the
# document's order): the closest sentence alone often misses half of the answer.
SECOND_QUOTE_WITHIN = 0.04
# An answer of the knowledge base (an imported bot's reply, say) cites a passage that says
# the same thing: one of its sentences nearly the same as one of the passage's, or close to
# one while every figure it states (amounts, rates, times, phone numbers) is written in that
# passage too. A reply whose figures the document does not state is not cited: "open 9:30 to
# 16:00" is not backed by a section that says "08:30 to 18:30".
SAME_STATEMENT = 0.9
SAME_TOPIC = 0.7


@dataclass(frozen=True)
class PassageUnit:
    """One sentence or table row of a passage: what an answer quotes."""

    passage_id: str
    text: str

    def embedded_text(self, passage: Passage) -> str:
        section = passage.source.section
        return f"{section}: {self.text}" if section else self.text

    def lexical_text(self, passage: Passage) -> str:
        return " ".join(filter(None, (passage.source.document, passage.source.section,
                                      self.text)))


@dataclass(frozen=True)
class PassageHit:
    passage: Passage
    quote: str  # the sentence or table row that answers, word for word
    # the confidence: the quote's cosine similarity, plus ANSWER_TYPE_CONFIDENCE when it
    # states the kind of fact the question asks for
    score: float
    rank_score: float  # dense plus the answer-type bonus and lexical share: the order
    # The kinds of fact the question asks for (`bot.retrieval.answer_types`), and whether
    # the quote states one of them.
    wanted: frozenset[AnswerType] = frozenset()
    states_wanted: bool = False


def split_units(text: str) -> list[str]:
    """Table rows and list items (one per line) stay whole; prose splits into sentences.
    Fragments of fewer than three words join the next unit."""
    units: list[str] = []
    for line in (line.strip() for line in text.split("\n")):
        if not line:
            continue
        units += [s.strip() for s in _SENTENCE_END.split(line) if s.strip()]
    merged: list[str] = []
    carry = ""
    for unit in units:
        unit = f"{carry} {unit}".strip() if carry else unit
        if len(unit.split()) < MIN_UNIT_WORDS:
            carry = unit
            continue
        carry = ""
        merged.append(unit)
    if carry:
        if merged:
            merged[-1] = f"{merged[-1]} {carry}"
        else:
            merged.append(carry)
    return merged


def figures(text: str) -> set[str]:
    """The numbers a text states, of two characters or more ("9.75", "10:30", "3399")."""
    return {figure for figure in _FIGURE.findall(text) if len(figure) >= 2}


def backs(sentence: str, similarity: float, passage: Passage) -> bool:
    """Whether `passage`, one of whose units is `similarity` close to `sentence`, states
    what the sentence says (see SAME_STATEMENT)."""
    if similarity >= SAME_STATEMENT:
        return True
    stated = figures(sentence)
    return similarity >= SAME_TOPIC and bool(stated) and stated <= figures(passage.text)


def units_of(kb: KnowledgeBase) -> list[PassageUnit]:
    return [PassageUnit(passage.id, unit) for passage in kb.passages.values()
            for unit in split_units(passage.text)]


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


class PassageRanker:
    """Ranks the units that the dense search found, with their lexical scores added."""

    def __init__(self, kb: KnowledgeBase, units: list[PassageUnit],
                 lexical_weight: float | None = None) -> None:
        self.kb = kb
        self.units = units
        self.lexical_weight = LEXICAL_WEIGHT if lexical_weight is None else lexical_weight
        self._bm25: Any = None
        self._stated = [stated(unit.text) for unit in units]
        if units and self.lexical_weight > 0:
            from rank_bm25 import BM25Okapi

            self._bm25 = BM25Okapi([tokens(u.lexical_text(kb.passages[u.passage_id]))
                                    or ["_"] for u in units])

    def hits(self, question: str, wants: frozenset[AnswerType], scores: np.ndarray,
             ids: np.ndarray, top_k: int) -> list[PassageHit]:
        """The best unit of each of the best passages. `wants`: the kinds of fact the
        question asks for (`answer_types.wanted`); `scores` and `ids`: the dense search's
        results for it."""
        found = [(float(s), int(i)) for s, i in zip(scores, ids, strict=True) if i >= 0]
        if not found:
            return []
        lexical = np.zeros(len(found))
        if self._bm25 is not None:
            all_scores = self._bm25.get_scores(tokens(question))
            lexical = np.array([all_scores[i] for _, i in found])
            top = float(lexical.max())
            lexical = lexical / top if top > 0 else lexical * 0
        # passage -> its units' (rank score, confidence, unit index)
        ranked: dict[str, list[tuple[float, float, int]]] = {}
        for (dense, index), lex in zip(found, lexical, strict=True):
            unit = self.units[index]
            if unit.passage_id in self.kb.passages:
                typed = bool(wants & self._stated[index])
                ranked.setdefault(unit.passage_id, []).append(
                    (dense + typed * ANSWER_TYPE_BONUS + self.lexical_weight * float(lex),
                     min(1.0, dense + typed * ANSWER_TYPE_CONFIDENCE), index))
        hits = []
        for passage_id, candidates in ranked.items():
            candidates.sort(reverse=True)
            rank, confidence, index = candidates[0]
            quoted = [index]
            if len(candidates) > 1 and rank - candidates[1][0] <= SECOND_QUOTE_WITHIN:
                quoted.append(candidates[1][2])
            quote = "\n".join(self.units[i].text for i in sorted(quoted))
            hits.append(PassageHit(self.kb.passages[passage_id], quote, confidence, rank, wants,
                                   any(wants & self._stated[i] for i in quoted)))
        return sorted(hits, key=lambda h: -h.rank_score)[:top_k]
