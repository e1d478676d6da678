"""Entity extraction for form slots: amounts with currency, durations, percentages, ages,
dates, yes/no and plain numbers, from the way customers write them.

Rule-based on purpose (like Rasa's Duckling, without a separate server): the forms of a
bank's assistant need a handful of precise, predictable parsers whose failures can be
explained to the customer, not a statistical tagger. Every parser returns typed values
with the character span it read, so a message with several values ("5k over 2 years")
fills several slots, and one value is never read twice.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bot.messages import say
from bot.nlu.chinese import chinese_yes_no, has_han

EntityKind = Literal["money", "duration", "percentage", "age", "date", "yes_no", "number"]

# A word that marks an amount as money, and its currency. "bucks" names no currency: people
# say it of euros as much as of dollars ("18000 bucks, in euros I mean"), so the amount is
# taken in the currency the question asked for.
CURRENCY_WORDS: dict[str, str | None] = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "quid": "GBP",
    "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "bucks": None,
    "chf": "CHF", "francs": "CHF",
    "¥": "CNY", "rmb": "CNY", "cny": "CNY", "yuan": "CNY",
}
SCALE_WORDS = {"k": 1_000, "thousand": 1_000, "grand": 1_000, "m": 1_000_000,
               "million": 1_000_000, "mio": 1_000_000}
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "half a": 0.5, "a half": 0.5,
}
MONTHS = {name: i for i, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
MONTHS.update({name[:3]: i for name, i in list(MONTHS.items())})
MONTHS["sept"] = 9
UNIT_MONTHS = {"year": 12, "yr": 12, "month": 1, "mo": 1, "mth": 1, "week": 12 / 52}
# A duration's unit by its first letter: the pattern takes the units' common typos ("3 yeras",
# "6 mnths") and short forms ("10y").
UNIT_MONTHS_BY_INITIAL = {"y": 12, "m": 1, "w": 12 / 52}

YES = {"yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "correct", "right",
       "of course", "absolutely", "definitely", "i do", "that's right"}
NO = {"no", "n", "nope", "nah", "not really", "never", "i don't", "i do not", "i'm not",
      "i am not", "not at all"}

_NUMBER = r"(?<![\w-])-?(?:\d{1,3}(?:[ ,.']\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_UNITS = "one|two|three|four|five|six|seven|eight|nine"
# "a couple of hundred", "a few grand", "a couple of years": the customer's round figure,
# read as 2 and 3
_ROUGHLY = r"(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few"
_COMPOUND_NUMBER = re.compile(rf"\b({_TENS})[- ]({_UNITS})\b", re.IGNORECASE)
_WORD_NUMBER = "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True))
_CURRENCY = "|".join(sorted((re.escape(w) for w in CURRENCY_WORDS), key=len, reverse=True))
_SCALE = "|".join(sorted(SCALE_WORDS, key=len, reverse=True))

_MONEY = re.compile(
    rf"(?P<pre>{_CURRENCY})?\s*(?P<num>{_NUMBER}|\b(?:{_WORD_NUMBER}))\s*"
    rf"(?P<scale>{_SCALE})?\b\.?\s*"
    rf"(?P<post>{_CURRENCY})?(?![\w%])",
    re.IGNORECASE,
)
# A number word starts a word ("préstamo" holds no "a mo") and stands apart from its unit:
# "any" is not "an" + "y" (a year), only digits run into one ("10y"). "twenty-four months"
# is one duration, not "four months".
_DURATION = re.compile(
    rf"(?<![\w-])(?:(?P<num>{_NUMBER})|(?P<word>(?:{_TENS})[- ](?:{_UNITS})"
    rf"|{_ROUGHLY}|{_WORD_NUMBER})(?=[\s-]))"
    r"(?:\s+and\s+a\s+half)?[\s-]*"
    r"(?P<unit>years?|yrs?|y|yers|yeras?|yaers?|months?|mos?|mths?|mnths?|monts?|"
    r"moths|weeks?|wks?)\b",
    re.IGNORECASE,
)
_PERCENT = re.compile(rf"(?P<num>{_NUMBER})\s*(?:%|per\s?cent|pct)", re.IGNORECASE)
_AGE = re.compile(
    r"(?:\b(?:i'?m|i am|aged?)\s+(?P<a>\d{1,3})\b)|(?:\b(?P<b>\d{1,3})\s*(?:years?|yrs?)"
    r"(?:\s+of\s+age|\s+old|\s+young)\b)",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")
_DAY_MONTH = re.compile(
    r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>[a-z]{3,9})\.?(?:,?\s+(?P<y>\d{4}))?\b",
    re.IGNORECASE,
)
_MONTH_DAY = re.compile(
    r"\b(?P<mon>[a-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{4}))?\b",
    re.IGNORECASE,
)
# Amounts in words: "twelve hundred", "twenty-five thousand", "a hundred and fifty quid",
# "two and a half grand", "one hundred thousand". Only a phrase with "hundred" or a scale
# word is read here; a lone number word ("two") is left to the other parsers.
_SMALL_WORDS = "|".join(sorted((w for w, v in NUMBER_WORDS.items()
                                if isinstance(v, int) and w not in ("a", "an")),
                               key=len, reverse=True))
_SMALL = rf"(?:(?:{_TENS})[- ](?:{_UNITS})|{_SMALL_WORDS}|{_ROUGHLY})"
_WORD_AMOUNT = re.compile(
    rf"(?<![\w-])(?:(?P<hundreds>{_SMALL}|an?)\s+hundred"
    rf"(?:\s+(?:and\s+)?(?P<rest>{_SMALL})(?![\w-]))?|(?P<small>{_SMALL}))"
    r"(?P<half>\s+and\s+a\s+half)?"
    r"(?:\s+(?P<scale>thousand|grand|million))?"
    # "one thousand two hundred (and fifty)": the hundreds after a thousand
    rf"(?:(?<=thousand)\s+(?:and\s+)?(?P<tail>{_SMALL})\s+hundred"
    rf"(?:\s+(?:and\s+)?(?P<tail_rest>{_SMALL})(?![\w-]))?)?"
    rf"(?:\s*(?P<post>{_CURRENCY}))?(?![\w%-])(?!\s*(?:%|per\s?cent))",
    re.IGNORECASE,
)
_RELATIVE_DAY = re.compile(r"\b(today|tomorrow|yesterday)\b", re.IGNORECASE)
_BARE_NUMBER = re.compile(rf"(?<![\w.,])(?P<num>{_NUMBER}|{_WORD_NUMBER})(?![\w%])",
                          re.IGNORECASE)


@dataclass(frozen=True)
class Entity:
    kind: EntityKind
    value: float | int | str | bool
    text: str
    start: int
    end: int
    unit: str | None = None  # currency for money, "months" for durations


def _tens_and_units(match: re.Match[str]) -> float:
    """The value of a `_COMPOUND_NUMBER` match ("thirty-nine" -> 39)."""
    return NUMBER_WORDS[match.group(1).lower()] + NUMBER_WORDS[match.group(2).lower()]


def _small_value(words: str) -> float:
    """The value of a `_SMALL` word ("fifteen", "twenty-five", "a couple of") or "a"."""
    value = parse_number(words)
    assert value is not None, words  # the pattern only matches words parse_number reads
    return value


def _word_amounts(text: str) -> list[Entity]:
    """Amounts written in words with "hundred" or a scale word: money when a scale or a
    currency names it as such ("fifteen grand", "two hundred euro"), else a plain number
    ("twelve hundred": the form decides what it means)."""
    found = []
    for match in _WORD_AMOUNT.finditer(text):
        hundreds, scale = match.group("hundreds"), match.group("scale")
        if hundreds is None and scale is None:
            continue
        if hundreds is not None:
            value = 100 * _small_value(hundreds)  # "a hundred" is one hundred
            value += _small_value(match.group("rest")) if match.group("rest") else 0.0
        else:
            value = _small_value(match.group("small"))
        if match.group("half"):
            value += 0.5
        if scale is not None:
            value *= SCALE_WORDS[scale.lower()]
        if match.group("tail"):
            value += 100 * _small_value(match.group("tail"))
            value += _small_value(match.group("tail_rest")) if match.group("tail_rest") else 0
        post = match.group("post")
        currency = CURRENCY_WORDS[post.lower()] if post else None
        kind: EntityKind = "money" if scale is not None or post else "number"
        value = int(value) if float(value).is_integer() else value
        found.append(Entity(kind, value, match.group(0).strip(), *match.span(),
                            unit=currency if kind == "money" else None))
    return found


def parse_number(text: str) -> float | None:
    """'5,000' -> 5000, '2.5' -> 2.5, '1.234.567' -> 1234567, 'two' -> 2."""
    raw = text.strip().lower()
    if re.fullmatch(_ROUGHLY, raw):
        return 2.0 if "couple" in raw else 3.0
    if raw in NUMBER_WORDS:
        return float(NUMBER_WORDS[raw])
    compound = _COMPOUND_NUMBER.fullmatch(raw)
    if compound:
        return float(_tens_and_units(compound))
    sign = -1.0 if raw.startswith("-") else 1.0
    raw = raw.lstrip("-")
    grouped = re.fullmatch(r"(\d{1,3})((?:[ ,.']\d{3})+)([.,]\d+)?", raw)
    if grouped:
        separators = set(re.findall(r"[ ,.']", grouped.group(2)))
        fraction = grouped.group(3) or ""
        if len(separators) == 1 and not (fraction and fraction[0] in separators):
            whole = re.sub(r"[ ,.']", "", grouped.group(1) + grouped.group(2))
            return sign * float(whole + ("." + fraction[1:] if fraction else ""))
    try:
        return sign * float(raw.replace(",", "."))
    except ValueError:
        return None


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


# Words after which "one" stands for a thing ("a secondhand one", "the new one", "random
# one, but..."), not for the number 1.
_PRONOUN_BEFORE = re.compile(
    r"\b(?:(?:a|an|the|this|that|another|any|each|every|which|no|my|your|his|her|our|their)"
    r"(?:\s+[a-z-]+)?|random|new|old|used|secondhand|second-hand|other|different|cheaper|"
    r"cheap|quick|small|big|last|next|same|good|better|decent|right|wrong)\s+$",
    re.IGNORECASE)

# Words before which "one" counts something other than an answer ("Sorry, one question.",
# "one more thing", "one of my cards"): not the number 1.
_NOT_A_NUMBER_AFTER_ONE = re.compile(
    r"^\s+(?:more|last|quick|small|little|final|other|of|question|questions|query|thing|"
    r"things|sec|second|moment|minute|point|problem|issue|request)\b", re.IGNORECASE)


@functools.lru_cache(maxsize=16)
def _unit_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """A number followed by one of `words` (longest first), compiled once per language."""
    return re.compile(rf"(?P<num>{_NUMBER})\s*(?P<unit>{'|'.join(map(re.escape, words))})\b",
                      re.IGNORECASE)


def _durations_in_language(text: str) -> list[Entity]:
    """"3 años", "18 Monate": a number and a unit word of the language being answered in
    (its catalogue's `unit.*` messages), so a locale's durations need no code here."""
    units = {say(f"unit.{word}").strip().lower(): months
             for word, months in (("year", 12), ("years", 12), ("month", 1), ("months", 1))}
    units = {word: months for word, months in units.items()
             if word and not has_han(word) and word not in UNIT_MONTHS
             and word.rstrip("s") not in UNIT_MONTHS}
    if not units:
        return []
    pattern = _unit_pattern(tuple(sorted(units, key=len, reverse=True)))
    found = []
    for match in pattern.finditer(text):
        number = parse_number(match.group("num"))
        if number is None:
            continue
        months = number * units[match.group("unit").lower()]
        months = round(months) if math.isfinite(months) else months
        found.append(Entity("duration", months, match.group(0), *match.span(), unit="months"))
    return found


def extract_entities(text: str, today: date | None = None) -> list[Entity]:
    """Every value found, most specific first: dates, durations, percentages, ages, money,
    yes/no, then plain numbers not already part of another value."""
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []

    def add(entity: Entity) -> None:
        if not _overlaps((entity.start, entity.end), taken):
            found.append(entity)
            taken.append((entity.start, entity.end))

    for entity in _dates(text, today or date.today()):
        add(entity)
    for match in _AGE.finditer(text):
        value = int(match.group("a") or match.group("b"))
        add(Entity("age", value, match.group(0), *match.span()))
    for match in _DURATION.finditer(text):
        number = parse_number(match.group("num") or match.group("word"))
        if number is None:
            continue
        if "and a half" in match.group(0).lower():
            number += 0.5
        months = number * UNIT_MONTHS_BY_INITIAL[match.group("unit")[0].lower()]
        # A number too long for a float stays infinite (the form says it is too large).
        months = round(months) if math.isfinite(months) else months
        add(Entity("duration", months, match.group(0), *match.span(), unit="months"))
    for entity in _durations_in_language(text):
        add(entity)
    for entity in _word_amounts(text):  # "twelve hundred", "twenty-five thousand"
        add(entity)
    for match in _COMPOUND_NUMBER.finditer(text):  # "thirty-nine": one number, not two
        add(Entity("number", _tens_and_units(match), match.group(0), *match.span()))
    for match in _PERCENT.finditer(text):
        number = parse_number(match.group("num"))
        if number is not None:
            add(Entity("percentage", number, match.group(0), *match.span()))
    for match in _MONEY.finditer(text):
        money = _money(match)
        if money is not None:
            add(money)
    answer = yes_no(text)
    if answer is not None:
        add(Entity("yes_no", answer, text.strip(), 0, 0))
    for match in _BARE_NUMBER.finditer(text):
        number = parse_number(match.group("num"))
        if match.group("num").lower() == "one" and _PRONOUN_BEFORE.search(
                text[:match.start()]):
            continue  # "a secondhand one", "random one": a pronoun, not the number 1
        if match.group("num").lower() == "one" and _NOT_A_NUMBER_AFTER_ONE.search(
                text[match.end():]):
            continue  # "one question", "one more thing": counts a question, not an answer
        if number is not None and match.group("num").lower() not in ("a", "an"):
            add(Entity("number", number, match.group(0), *match.span()))
    return sorted(found, key=lambda e: e.start)


def _money(match: re.Match[str]) -> Entity | None:
    number = parse_number(match.group("num"))
    if number is None:
        return None
    scale = match.group("scale")
    currency_word = match.group("pre") or match.group("post")
    if scale is None and currency_word is None:
        return None  # a bare number: only a plain number (the form decides what it means)
    if match.group("num").lower() in NUMBER_WORDS and scale is None:
        return None  # "a euro", "one pound": not an amount anyone borrows
    if match.group("num").lower() in NUMBER_WORDS and scale is not None:
        gap = match.string[match.end("num"):match.start("scale")]
        if len(scale) < 3 or not gap or not gap.isspace():
            return None  # "I am" is not "a m(illion)"; "a grand", "two thousand" are amounts
    if scale:
        number *= SCALE_WORDS[scale.lower()]
    currency = CURRENCY_WORDS[currency_word.lower()] if currency_word else None
    start = match.start()
    raw = match.group(0)
    stripped = raw.rstrip()
    return Entity("money", number, stripped.strip(), start + (len(raw) - len(raw.lstrip())),
                  start + len(stripped), unit=currency)


def _dates(text: str, today: date) -> list[Entity]:
    found = []
    for match in _ISO_DATE.finditer(text):
        value = _safe_date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        if value:
            found.append(Entity("date", value.isoformat(), match.group(0), *match.span()))
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        for match in pattern.finditer(text):
            month = MONTHS.get(match.group("mon").lower())
            if month is None:
                continue
            year = int(match.group("y")) if match.group("y") else today.year
            value = _safe_date(year, month, int(match.group("d")))
            if value is not None and not match.group("y") and value < today:
                value = _safe_date(year + 1, month, int(match.group("d")))
            if value:
                found.append(Entity("date", value.isoformat(), match.group(0), *match.span()))
    for match in _RELATIVE_DAY.finditer(text):
        offset = {"today": 0, "tomorrow": 1, "yesterday": -1}[match.group(1).lower()]
        value = today + timedelta(days=offset)
        found.append(Entity("date", value.isoformat(), match.group(0), *match.span()))
    return found


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def yes_no(text: str) -> bool | None:
    """True / False for a yes or no answer ("yes please", "nope", "好的", "不用了"), None
    otherwise."""
    if has_han(text):
        return chinese_yes_no(text)
    cleaned = re.sub(r"[^\w\s']", " ", text.lower()).split()
    if not cleaned or len(cleaned) > 4:
        return None
    phrase = " ".join(cleaned)
    for size in (3, 2, 1):
        head = " ".join(cleaned[:size])
        if head in NO or phrase in NO:
            return False
        if head in YES or phrase in YES:
            return True
    return None


_CURRENCY_WORD = re.compile(rf"(?<!\w)(?:{_CURRENCY})(?!\w)", re.IGNORECASE)


def names_a_value(text: str) -> bool:
    """Whether `text` holds an amount, a duration, an age, a number or a currency word ("inf
    euros"): an answer to a question that asks for one, not a purpose in other words."""
    return bool(extract_entities(text)) or _CURRENCY_WORD.search(text) is not None
