"""What kind of fact a question asks for, and which kinds a sentence states.

"How much is a new card?" wants an amount; "until what time can I call?" a clock time; "how
long does a transfer take?" a duration. A document sentence that states no fact of the
wanted kind rarely answers, however close its words are: "The new card has a new number" is
nearer to "lost my card, how much is a new one" than "Replacement debit card (lost or
damaged): EUR 8.00" in the sentence encoder's space. Classic question answering checks the
answer type; here it breaks near-ties when ranking the units of a passage
(`bot.retrieval.passages.PassageRanker`).

The question cues are English: a question in another language wants no type, and ranking is
by similarity alone, as before.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache


class AnswerType(Enum):
    AMOUNT = "amount"  # EUR 8.00, €150, $20
    PERCENT = "percent"  # 2.25%, 0.10% AER
    CLOCK_TIME = "clock time"  # 14:00, 9:30, 5pm
    DURATION = "duration"  # 14 days, 5 to 7 working days, six weeks
    CONTACT = "contact"  # +353 21 490 3399, phishing@bank.example


_NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|"
                 "fifteen|twenty|thirty|forty|sixty|ninety|a few|several")
_STATED = {
    AnswerType.AMOUNT: re.compile(
        r"(?:€|£|\$|\b(?:EUR|GBP|USD)\s?)\s?\d|\d\s?(?:euro|euros|cent|cents)\b", re.I),
    AnswerType.PERCENT: re.compile(r"\d\s?%|\d\s?per ?cent\b", re.I),
    AnswerType.CLOCK_TIME: re.compile(
        r"\b\d{1,2}:\d{2}\b|\b\d{1,2}(?:\.\d{2})?\s?(?:am|pm)\b", re.I),
    AnswerType.DURATION: re.compile(
        rf"\b(?:\d+|{_NUMBER_WORDS})(?:\s?(?:to|-|–|or)\s?(?:\d+|{_NUMBER_WORDS}))?[\s-]"
        r"(?:working |business |calendar |banking )?"
        r"(?:minute|hour|day|week|month|year)s?\b", re.I),
    AnswerType.CONTACT: re.compile(r"\+?\d[\d ()-]{6,}\d|[\w.+-]+@[\w-]+\.[\w.]+", re.I),
}

# Question cues, most specific first: each maps to the kinds of fact that answer it; the
# first that matches decides.
_WANTS: tuple[tuple[re.Pattern[str], frozenset[AnswerType]], ...] = tuple(
    (re.compile(pattern, re.I), frozenset(types)) for pattern, types in (
        (r"\b(?:what|which) time\b|\buntil when\b|\btill when\b|\bopening hours\b"
         r"|\b(?:open|opens|close|closes)\s+(?:at|until|till)\b"
         r"|\b(?:are you|is it|is the branch|are the branches|branch|branches)\s+"
         r"(?:open|closed)\b",
         {AnswerType.CLOCK_TIME}),
        (r"\bhow (?:long|soon|quickly|fast)\b|\bhow many (?:days|weeks|months|hours|years)\b"
         r"|\bwhen will\b|\btake to (?:arrive|clear|come|get)\b",
         {AnswerType.DURATION}),
        (r"\b(?:interest|rate|rates|apr|aer|percentage)\b",
         {AnswerType.PERCENT}),
        (r"\bhow much\b|\b(?:fee|fees|cost|costs|price|pricing)\b|\bcharge(?:d|s)? for\b"
         r"|\b(?:do|will|would) you charge\b|\b(?:is there|are there|any) (?:a )?charges?\b"
         r"|\bwhat(?:'s| is| are) the charges?\b"
         r"|\b(?:minimum|maximum|min|max|smallest|largest|biggest|lowest|highest)\b"
         r"|\b(?:limit|limits|lose|repay|repayments?)\b",
         {AnswerType.AMOUNT, AnswerType.PERCENT}),
        (r"\b(?:phone|ring|call|email|e-mail|contact|telephone)\b|\bwhat(?:'s| is) the number\b"
         r"|\bnumber (?:to|for) (?:call|ring|phone)\b",
         {AnswerType.CONTACT}),
    ))


def wanted(question: str) -> frozenset[AnswerType]:
    """The kinds of fact that answer `question` (empty when it asks for none we know): those
    of its most specific cue ("until what time can I call" wants a time, not a number)."""
    return next((types for cue, types in _WANTS if cue.search(question)), frozenset())


@lru_cache(maxsize=4096)
def stated(text: str) -> frozenset[AnswerType]:
    """The kinds of fact `text` states (kept per text: the same KB answers are asked
    about again with every message)."""
    return frozenset(kind for kind, pattern in _STATED.items() if pattern.search(text))
