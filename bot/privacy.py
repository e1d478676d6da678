"""Mask personal data before a message is stored, logged or exported (the NLU sees the
original)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?<![\w*])\+?\d[\d ()-]{7,}\d\b")
# A UK sort code written 12-34-56, or six digits right after the words "sort code".
SORT_CODE = re.compile(r"\b\d{2}-\d{2}-\d{2}\b|(?i:\bsort\s*code(?:\s+is)?\W{0,3})\d{6}\b")
# Digits right after "account (number|no)" / "acct" / "a/c": an account number.
ACCOUNT = re.compile(
    r"(?i:\b(?:account|acct|a/c)(?:\s*(?:number|num|no\.?|#))?(?:\s+is)?\s*[:#]?\s*)"
    r"(\d[\d -]{4,18}\d)\b"
)
# National ids: UK National Insurance number, US Social Security number.
NATIONAL_ID = re.compile(
    r"\b(?i:[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])\s?\d{2}\s?\d{2}\s?\d{2}\s?(?i:[A-D])\b"
    r"|\b\d{3}-\d{2}-\d{4}\b"
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    compact = iban.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(numeric) % 97 == 1


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return f"[CARD ****{digits[-4:]}]"
    return match.group()


def _mask_iban(match: re.Match[str]) -> str:
    return "[IBAN]" if iban_valid(match.group()) else match.group()


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[PHONE]" if 8 <= len(digits) <= 15 else match.group()  # E.164: at most 15 digits


def _mask_sort_code(match: re.Match[str]) -> str:
    digits = re.search(r"\d{2}-\d{2}-\d{2}|\d{6}", match.group())
    assert digits is not None
    return match.group()[: digits.start()] + "[SORT CODE]"


def _mask_account(match: re.Match[str]) -> str:
    return match.group()[: match.start(1) - match.start()] + "[ACCOUNT]"


def redact(text: str) -> str:
    """Mask card numbers (Luhn-checked, last 4 kept), IBANs (checksum), national ids, sort
    codes, account numbers, emails and phone numbers. Order matters: the specific patterns
    run before the phone pattern, which would take any long run of digits."""
    text = IBAN.sub(_mask_iban, text)
    text = CARD.sub(_mask_card, text)
    text = NATIONAL_ID.sub("[NATIONAL ID]", text)
    text = SORT_CODE.sub(_mask_sort_code, text)
    text = ACCOUNT.sub(_mask_account, text)
    text = EMAIL.sub("[EMAIL]", text)
    return PHONE.sub(_mask_phone, text)


PATTERNS = (IBAN, CARD, NATIONAL_ID, SORT_CODE, ACCOUNT, EMAIL, PHONE)


def personal_data_like(text: str) -> set[str]:
    """Every span of `text` that a pattern above would look at."""
    return {match.group() for pattern in PATTERNS for match in pattern.finditer(text)}


def redact_reply(text: str, published: Collection[str],
                 redactor: Callable[[str], str] = redact) -> str:
    """Redact a bot reply, but keep what the bank itself publishes (its phone line, its
    email address: `published`, found in the knowledge base), so the stored history still
    shows the number the customer was given. What the customer wrote and the bot repeated
    is masked as usual."""
    kept: dict[str, str] = {}
    for number, value in enumerate(sorted(published, key=len, reverse=True)):
        if value in text:
            token = f"\x00{chr(0xE000 + number)}\x00"  # private-use: no pattern matches it
            text = text.replace(value, token)
            kept[token] = value
    text = redactor(text)
    for token, value in kept.items():
        text = text.replace(token, value)
    return text
