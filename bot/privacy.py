"""Mask personal data before a message is stored, logged or exported (the NLU sees the
original).

Detection runs on a normalised copy of the message (NFKC, so full-width digits are digits;
invisible format characters such as zero-width spaces removed; every space a plain space and
every dash a hyphen), and each finding is mapped back onto the original text: only the
personal data is replaced, the rest of the message is kept byte for byte."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator
from functools import lru_cache
from typing import NamedTuple

# Separators between the digit groups of a card, phone or account number (normalised text:
# no-break and other spaces are already plain spaces, dashes hyphens).
SEP = r"[ ._\-]"
# A run of digit groups: a card is looked for among its groups, glued letters allowed.
DIGIT_RUN = re.compile(rf"\d+(?:{SEP}{{1,3}}\d+)*")
DIGITS = re.compile(r"\d+")
# Dates (12.03.2025, 2025-03-12) and amounts with thousands separators (12.345.678,00):
# never a card or a phone number. (Patterns start with a digit, checked afterwards to have
# none before it: the regex engine then skips quickly to the digits.)
DATE = (r"\d(?<![\d./-]\d)(?:\d?([./-])\d{1,2}\1(?:\d{4}|\d{2})|\d{3}([./-])\d{1,2}\2\d{1,2})"
        r"(?![./-]?\d)")
AMOUNT = r"\d(?<![\d.,]\d)\d{0,2}(?:[.,]\d{3})+(?:[.,]\d{1,2})?(?![.,]?\d)"
NOT_A_CARD = re.compile(DATE)
NOT_A_PHONE = re.compile(f"{DATE}|{AMOUNT}")
IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}")
ALNUM = re.compile(r"[A-Za-z0-9]+")
SEPARATORS = re.compile(rf"{SEP}{{1,2}}")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(rf"(?<![\w*+])\+?(?:\(\d{{1,5}}\)|\d)(?:{SEP}{{0,2}}(?:\(\d{{1,5}}\)|\d))*")
# A UK sort code written 12-34-56, or six digits right after the words "sort code".
SORT_CODE = re.compile(r"\b\d{2}-\d{2}-\d{2}\b")
SORT_CODE_AFTER_NAME = re.compile(
    rf"(?i:\bsort\s*code(?:\s+is)?\W{{0,3}})(?P<d>\d{{2}}(?:{SEP}?\d{{2}}){{2}})(?!\d)")
# Digits right after "account (number|no)" / "acct" / "a/c": an account number.
ACCOUNT = re.compile(
    r"(?i:\b(?:account|acct|a/c)(?:\s*(?:number|num|no\.?|#))?(?:\s+is)?\s*[:#]?\s*)"
    rf"(?P<d>\d(?:{SEP}{{0,2}}\d){{4,17}})(?!\d)"
)
# National ids: UK National Insurance number, US Social Security number.
NATIONAL_ID = re.compile(
    r"\b(?i:[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])\s?\d{2}\s?\d{2}\s?\d{2}\s?(?i:[A-D])\b"
    r"|\b\d{3}-\d{2}-\d{4}\b"
)
# A card's security code after its name: the word stays, the digits are masked.
CVC = re.compile(
    r"(?i:\b(?:cvc2?|cvv2?|csc|security\s+code"
    r"|(?:(?:3|4|three|four)\s+)?(?:digit\s+)?(?:digits|numbers|code)\s+on\s+the\s+back"
    r"(?:\s+of\s+(?:my|the|your)\s+card)?)"
    r"(?:\s+(?:code|number))?(?:\s*(?:is|are|[:=#-])){0,2}\s*)(?P<d>\d{3,4})(?!\d)"
)
# The IBAN length of each country in the IBAN registry; another country's IBAN is only
# recognised in capitals (any length the standard allows), as before.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
    "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
    "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
    "YE": 30,
}
NON_ASCII = re.compile(r"[^\x00-\x7f]")
DOUBLED = str.maketrans("0123456789", "0246813579")  # a digit doubled, its digits summed
BLANK = "\x00"  # stands for text already taken: in no pattern's character classes


class Found(NamedTuple):
    """Personal data at text[start:end], to be replaced by `placeholder`."""

    start: int
    end: int
    placeholder: str


def luhn_valid(digits: str) -> bool:
    """The Luhn check of a string of ASCII digits."""
    return sum(map(int, digits[-1::-2] + digits[-2::-2].translate(DOUBLED))) % 10 == 0


def iban_valid(iban: str) -> bool:
    """The ISO 13616 mod-97 check, in any case and with any spacing."""
    compact = "".join(ALNUM.findall(iban)).upper()
    if len(compact) < 5:
        return False
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(numeric) % 97 == 1


# --- normalisation -------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    """One non-ASCII character as detection sees it: format characters (zero-width spaces,
    BOM, soft hyphen, direction marks) vanish, digits of any script become 0-9, spaces a
    space, dashes a hyphen, the rest NFKC."""
    if unicodedata.category(char) == "Cf":
        return ""
    return "".join(_fold_one(c) for c in unicodedata.normalize("NFKC", char))


def _fold_one(char: str) -> str:
    if char.isascii():
        return char
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    category = unicodedata.category(char)
    return " " if category == "Zs" else "-" if category == "Pd" or char == "\u2212" else char


def _normalise(text: str) -> tuple[str, list[int] | None]:
    """The text detection runs on, and for each of its characters the index of the original
    character it comes from (None: the same text, ASCII needs no change)."""
    if text.isascii():
        return text, None
    pieces: list[str] = []
    origin: list[int] = []
    position = 0
    for match in NON_ASCII.finditer(text):
        index = match.start()
        folded = _fold(text[index])
        pieces += (text[position:index], folded)
        origin += range(position, index)
        origin += [index] * len(folded)
        position = index + 1
    pieces.append(text[position:])
    origin += range(position, len(text))
    return "".join(pieces), origin


# --- detectors (on normalised text; spans in its indices) ----------------------------------

def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` with the spans overwritten, so that later patterns neither see nor cross them."""
    for start, end in spans:
        text = f"{text[:start]}{BLANK * (end - start)}{text[end:]}"
    return text


def _protected(text: str, pattern: re.Pattern[str]) -> str:
    """`text` with what `pattern` finds (dates, amounts) blanked out."""
    spans = [m.span() for m in pattern.finditer(text)]
    return _blank(text, spans) if spans else text


def _ibans(text: str) -> Iterator[Found]:
    taken = 0
    for match in IBAN_START.finditer(text):
        end = _iban_end(text, match.start()) if match.start() >= taken else None
        if end is not None:
            taken = end
            yield Found(match.start(), end, "[IBAN]")


def _iban_end(text: str, start: int) -> int | None:
    """Where the IBAN starting at `start` ends: at the end of a group of letters and digits
    (never inside a word) once the country's length is reached and the checksum holds."""
    length = IBAN_LENGTHS.get(text[start:start + 2].upper())
    shortest, longest = (length, length) if length else (15, 34)
    compact = ""
    position = start
    while (group := ALNUM.match(text, position)) is not None:
        compact += group.group()
        position = group.end()
        if (shortest <= len(compact) <= longest and (length or compact.isupper())
                and iban_valid(compact)):
            return position
        separator = SEPARATORS.match(text, position)
        if len(compact) >= longest or separator is None:
            return None
        position = separator.end()
    return None


def _cards(text: str) -> Iterator[Found]:
    """Luhn-valid numbers of 13-19 digits made of whole digit groups of a run: the longest
    first, then the leftmost, so a date or a count written next to a card does not hide it."""
    text = _protected(text, NOT_A_CARD)
    for run in DIGIT_RUN.finditer(text):
        if run.end() - run.start() >= 13:
            groups = [g.span() for g in DIGITS.finditer(text, run.start(), run.end())]
            yield from _card_windows(text, groups)


def _card_windows(text: str, groups: list[tuple[int, int]]) -> Iterator[Found]:
    candidates: list[tuple[int, int, int, str]] = []
    for first in range(len(groups)):
        digits = ""
        for last in range(first, len(groups)):
            digits += text[groups[last][0]:groups[last][1]]
            if len(digits) > 19:
                break
            if len(digits) >= 13 and luhn_valid(digits):
                candidates.append((-len(digits), first, last, digits[-4:]))
    taken: set[int] = set()
    for _, first, last, last_four in sorted(candidates):
        if taken.isdisjoint(range(first, last + 1)):
            taken.update(range(first, last + 1))
            yield Found(groups[first][0], groups[last][1], f"[CARD ****{last_four}]")


def _phones(text: str) -> Iterator[Found]:
    for match in PHONE.finditer(_protected(text, NOT_A_PHONE)):
        digits = sum(c.isdigit() for c in match.group())
        if 8 <= digits <= 15:  # E.164: at most 15 digits
            yield Found(match.start(), match.end(), "[PHONE]")


def _matches(pattern: re.Pattern[str], placeholder: str) -> Callable[[str], Iterator[Found]]:
    """A detector for `pattern`: its group `d` (the data after a label such as "sort code",
    which stays) or else its whole match is replaced."""
    group = "d" if "d" in pattern.groupindex else 0

    def detect(text: str) -> Iterator[Found]:
        for match in pattern.finditer(text):
            yield Found(*match.span(group), placeholder)
    return detect


class Detector(NamedTuple):
    """A kind of personal data, and what a text needs before it is worth looking for: so
    many digits, and one of some words (lower case) if any are given."""

    find: Callable[[str], Iterable[Found]]
    min_digits: int
    words: tuple[str, ...] = ()


# Order matters: the specific patterns run before the phone pattern, which would take any
# long run of digits; each sees the text with the earlier findings blanked out.
DETECTORS = (
    Detector(_ibans, 2),
    Detector(_cards, 13),
    Detector(_matches(NATIONAL_ID, "[NATIONAL ID]"), 6),
    Detector(_matches(SORT_CODE, "[SORT CODE]"), 6, ("-",)),
    Detector(_matches(SORT_CODE_AFTER_NAME, "[SORT CODE]"), 6, ("sort",)),
    Detector(_matches(ACCOUNT, "[ACCOUNT]"), 5, ("acc", "a/c")),
    Detector(_matches(CVC, "[CVC]"), 3, ("cv", "csc", "security", "back")),
    Detector(_matches(EMAIL, "[EMAIL]"), 0, ("@",)),
    Detector(_phones, 8),
)


def _detect(text: str) -> list[Found]:
    """Every finding in normalised `text`, in its indices, in order and not overlapping."""
    found: list[Found] = []
    digits = sum(map(text.count, "0123456789"))
    if not digits and "@" not in text:  # the fast path of most messages
        return found
    lower = text.lower()
    for detector in DETECTORS:
        if digits < detector.min_digits or (
                detector.words and not any(word in lower for word in detector.words)):
            continue
        new = list(detector.find(text))
        if new:
            found += new
            text = _blank(text, ((f.start, f.end) for f in new))
            digits = sum(map(text.count, "0123456789"))  # those left for the next patterns
    return sorted(found)


def find_personal_data(text: str) -> list[Found]:
    """The personal data in `text`, as spans of the original text, in order."""
    normalised, origin = _normalise(text)
    found = _detect(normalised)
    if origin is None:
        return found
    mapped: list[Found] = []
    for item in found:
        start, end = origin[item.start], origin[item.end - 1] + 1
        if mapped and start < mapped[-1].end:  # one character folded into two findings
            mapped[-1] = mapped[-1]._replace(end=max(end, mapped[-1].end))
        else:
            mapped.append(Found(start, end, item.placeholder))
    return mapped


def _replace(text: str, found: Iterable[Found]) -> str:
    pieces: list[str] = []
    position = 0
    for item in found:
        pieces += (text[position:item.start], item.placeholder)
        position = item.end
    pieces.append(text[position:])
    return "".join(pieces)


# --- public API ----------------------------------------------------------------------------

def redact(text: str) -> str:
    """Mask card numbers (Luhn-checked, last 4 kept), IBANs (checksum), national ids, sort
    codes, account numbers, security codes, emails and phone numbers, however they are
    spaced or hidden; everything else is returned unchanged."""
    found = find_personal_data(text)
    return _replace(text, found) if found else text


def personal_data_like(text: str) -> set[str]:
    """The spans of `text` (its own characters) that `redact` would mask."""
    return {text[item.start:item.end] for item in find_personal_data(text)}


def _key(value: str) -> str:
    """What identifies a published number or address however it is written: its digits and
    letters (an email: itself, in any case)."""
    normalised = _normalise(value)[0]
    if "@" in normalised:
        return normalised.casefold()
    return "".join(ALNUM.findall(normalised)).upper()


def redact_reply(text: str, published: Collection[str],
                 redactor: Callable[[str], str] = redact) -> str:
    """Redact a bot reply, but keep what the bank itself publishes (its phone line, its
    email address: `published`, found in the knowledge base), however the reply spaces it,
    so the stored history still shows the number the customer was given. What the customer
    wrote and the bot repeated is masked as usual."""
    keys = {key for key in map(_key, published) if key}
    found = find_personal_data(text)
    kept = [item for item in found if _key(text[item.start:item.end]) in keys]
    if redactor is redact:
        return _replace(text, (item for item in found if item not in kept))
    # Another redactor: hide the kept spans from it behind tokens no pattern matches
    # (private-use characters), and put them back afterwards.
    hidden = [item._replace(placeholder=f"\x00{chr(0xE000 + n)}\x00")
              for n, item in enumerate(kept)]
    redacted = redactor(_replace(text, hidden))
    for item in hidden:
        redacted = redacted.replace(item.placeholder, text[item.start:item.end])
    return redacted
