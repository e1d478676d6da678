"""Masking of personal data however it is written: separators, invisible characters,
full-width digits, glued letters, security codes, dotted phones, lower-case IBANs; the rest
of the message is kept byte for byte and ordinary banking text is left alone."""

from __future__ import annotations

import re
import string
import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.privacy import luhn_valid, personal_data_like, redact, redact_reply

CARD = "4539037703880363"  # Luhn-valid test number
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
VISIBLE_SEPARATORS = (" ", "  ", ".", "_", "-", "\u00a0", "\u202f")


def grouped(card: str, separator: str) -> str:
    return separator.join(card[i:i + 4] for i in range(0, len(card), 4))


@pytest.mark.parametrize("separator", [*VISIBLE_SEPARATORS, *ZERO_WIDTH, " - ", ". "])
def test_card_with_any_separator_is_masked(separator: str) -> None:
    text = f"my card {grouped(CARD, separator)} was declined"
    assert redact(text) == "my card [CARD ****0363] was declined"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("cardno4539037703880363", "cardno[CARD ****0363]"),
        ("4539037703880363exp 12/27", "[CARD ****0363]exp 12/27"),
        ("card:4539\u200b0377\u200c0388\u200d0363.", "card:[CARD ****0363]."),
        ("45\u206039\u00a00377\u202f0388_0363", "[CARD ****0363]"),
        ("\uff14\uff15\uff13\uff19 \uff10\uff13\uff17\uff17 \uff10\uff13\uff18\uff18 "
         "\uff10\uff13\uff16\uff13 thanks", "[CARD ****0363] thanks"),
        ("\ufeff4539 0377 0388 0363\ufeff", "\ufeff[CARD ****0363]\ufeff"),
        ("on 12.03.2025 4539 0377 0388 0363", "on 12.03.2025 [CARD ****0363]"),
        ("4539\u20130377\u20140388\u22120363", "[CARD ****0363]"),  # en, em dash, minus
        ("4539\u20110377\u00ad0388\u200e0363", "[CARD ****0363]"),  # nb hyphen, soft hyphen
        ("\u0664\u0665\u0663\u0669 \u0660\u0663\u0667\u0667 \u0660\u0663\u0668\u0668 "
         "\u0660\u0663\u0666\u0663", "[CARD ****0363]"),  # Arabic-Indic digits
        ("call 0800 123 4567 4539 0377 0388 0363", "call [PHONE] [CARD ****0363]"),
        ("3782 822463 10005 (amex)", "[CARD ****0005] (amex)"),
    ],
)
def test_card_glued_hidden_or_full_width_is_masked(text: str, masked: str) -> None:
    assert redact(text) == masked


def test_text_around_the_card_is_unchanged_byte_for_byte() -> None:
    text = "Hello\u00a0there \u200b, card 4539\u00a00377\u00a00388\u00a00363 \ufeffthanks\u202f!"
    assert redact(text) == "Hello\u00a0there \u200b, card [CARD ****0363] \ufeffthanks\u202f!"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("cvc 4821", "cvc [CVC]"),
        ("CVV: 123", "CVV: [CVC]"),
        ("cvv2=123 ok", "cvv2=[CVC] ok"),
        ("my cvc2 is 482", "my cvc2 is [CVC]"),
        ("csc 4821", "csc [CVC]"),
        ("the security code is 123", "the security code is [CVC]"),
        ("security code: 123", "security code: [CVC]"),
        ("the 3 digits on the back are 482", "the 3 digits on the back are [CVC]"),
        ("3 digits on the back of my card: 482", "3 digits on the back of my card: [CVC]"),
        ("card 4539 0377 0388 0363 cvc 123", "card [CARD ****0363] cvc [CVC]"),
        ("cvc \uff14\uff18\uff12", "cvc [CVC]"),
        ("the code on the back is 123", "the code on the back is [CVC]"),
    ],
)
def test_security_code_digits_are_masked_and_the_word_kept(text: str, masked: str) -> None:
    assert redact(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("call me on 555.867.5309 please", "call me on [PHONE] please"),
        ("call me on 555-867-5309", "call me on [PHONE]"),
        ("(555) 867-5309", "[PHONE]"),
        ("mobile 07700\u00a0900\u00a0123", "mobile [PHONE]"),
        ("tel 01.23.45.67.89", "tel [PHONE]"),
    ],
)
def test_phone_numbers_with_dots_and_spaces_are_masked(text: str, masked: str) -> None:
    assert redact(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("gb82 west 1234 5698 7654 32", "[IBAN]"),
        ("iban gb82 west 1234 5698 7654 32 thanks", "iban [IBAN] thanks"),
        ("iban Gb82West12345698765432.", "iban [IBAN]."),
        ("ie29\u00a0aibk\u00a09311\u00a05212\u00a03456\u00a078", "[IBAN]"),
        ("GB82 WEST 1234 5698 7654 32", "[IBAN]"),
        ("de89370400440532013000 ok", "[IBAN] ok"),
        ("nl91abna0417164300", "[IBAN]"),
    ],
)
def test_iban_in_any_case_is_masked_whole(text: str, masked: str) -> None:
    assert redact(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "I paid £1,250.00 on 12.03.2025 at 10:30",
        "the rate is 1.5% from 2025-03-12 at 09:15",
        "card ending 1234, ref 4111 1111 1111 1112",
        "order 12345 shipped on 12/03/2025",
        "open between 09.00 and 17.30",
        "a transfer of 12.345.678,00 EUR and 1,234,567.89 USD",
        "the 3 digits on the back of the card",
        "version 2.13.0 of the app, 3 cards, 2 accounts",
        "on 12.03.2025 10:30 I paid 25.00",
        "long reference 123456789012345678901234",
        "id42 please help me with my account",
        "call our line (24 hours a day, 7 days a week)",
        "my pin is 1234 and the postcode SW1A 1AA",
    ],
)
def test_ordinary_banking_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


BANK = ["+44 20 7946 0000", "0800 123 4567", "help@bank.example"]


def test_reply_keeps_the_banks_numbers_written_with_other_spacing() -> None:
    reply = ("Call +44 20 7946 0000, +44 (20) 7946-0000 or 0800\u00a01234567, mail "
             "Help@Bank.example; we noted your number 07700 900123 and card 4539 0377 0388 0363.")
    assert redact_reply(reply, BANK) == (
        "Call +44 20 7946 0000, +44 (20) 7946-0000 or 0800\u00a01234567, mail "
        "Help@Bank.example; we noted your number [PHONE] and card [CARD ****0363].")


def test_reply_keeps_published_spans_found_in_the_knowledge_base() -> None:
    published = personal_data_like("Call our fraud line on +44 20 7946 0000 (24 hours) or "
                                   "0800 123 4567, or write to help@bank.example.")
    assert redact_reply("Ring 0800 123 45 67 or +44 2079 460000; not 555.867.5309.",
                        published) == "Ring 0800 123 45 67 or +44 2079 460000; not [PHONE]."


def test_reply_with_a_custom_redactor_keeps_published_numbers() -> None:
    reply = "Call 0800 123 4567, not 07700 900123."
    assert redact_reply(reply, BANK, lambda t: redact(t).replace("Call", "Phone")) == (
        "Phone 0800 123 4567, not [PHONE].")


def test_a_bracket_after_a_phone_number_is_not_part_of_it() -> None:
    text = "Call our fraud line on +353 1 555 0199 (24 hours a day)."
    assert redact(text) == "Call our fraud line on [PHONE] (24 hours a day)."
    assert personal_data_like(text) == {"+353 1 555 0199"}


def test_personal_data_like_gives_the_original_spans() -> None:
    text = "card 4539\u00a00377.0388\u200b0363, call 555.867.5309, mail a@b.example"
    assert personal_data_like(text) == {"4539\u00a00377.0388\u200b0363", "555.867.5309",
                                        "a@b.example"}


# Property-based: any mix of separators and invisible characters between the groups of a
# Luhn-valid card, glued letters around it, full-width digits or not.

def luhn_complete(body: str) -> str:
    return next(body + d for d in string.digits if luhn_valid(body + d))


cards = st.text(string.digits, min_size=15, max_size=15).map(luhn_complete)
separators = st.lists(st.sampled_from([" ", ".", "_", "-", "\u00a0", "\u202f", *ZERO_WIDTH]),
                      max_size=4).map("".join).filter(
    lambda s: sum(c not in ZERO_WIDTH for c in s) <= 3)
# Exactly two letters glued before digits could start an IBAN; one, or three and more, cannot.
glue = st.one_of(st.just(""), st.text(string.ascii_letters, min_size=3, max_size=8),
                 st.sampled_from(string.ascii_letters))
words = st.text(string.ascii_letters + " ,.!?'", max_size=20)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) - ord("0") + 0xFF10) if c.isdigit() else c for c in text)


@given(cards, st.lists(separators, min_size=3, max_size=3), glue, glue, words, words,
       st.booleans())
def test_a_luhn_valid_card_never_survives(
    card: str, seps: list[str], before: str, after: str, head: str, tail: str, wide: bool
) -> None:
    written = card[:4] + seps[0] + card[4:8] + seps[1] + card[8:12] + seps[2] + card[12:]
    written = full_width(written) if wide else written
    prefix = f"{head} {before}" if head else before
    suffix = f"{after} {tail}" if tail else after
    out = redact(prefix + written + suffix)
    assert out == f"{prefix}[CARD ****{card[-4:]}]{suffix}"
    assert card[:12] not in re.sub(r"\D", "", unicodedata.normalize("NFKC", out))


@given(st.text(max_size=200))
def test_text_without_digits_is_unchanged(text: str) -> None:
    assume(not re.search(r"[\d@]", unicodedata.normalize("NFKC", text)))
    assert redact(text) == text


@given(st.text(st.characters(codec="utf-8"), max_size=120))
def test_any_text_is_handled_and_spans_come_from_it(text: str) -> None:
    redact(text)
    assert all(span in text for span in personal_data_like(text))
