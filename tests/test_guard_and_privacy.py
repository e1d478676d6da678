import pytest

from bot.errors import InvalidMessage, InvalidSessionId
from bot.guard import check_session_id, clean_message
from bot.privacy import iban_valid, luhn_valid, redact


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("", "message is empty"),
        ("   \n\t ", "message is empty"),
        ("x" * 100_000, "message is too long (100000 characters; the limit is 2000)"),
        ("hello\x00world", "control characters"),
        ("bell\x07", "control characters"),
        (b"\xff\xfe card", "not valid UTF-8"),
        ("\ud800 lone surrogate", "lone surrogate"),
        (42, "message must be text"),
    ],
)
def test_bad_messages_are_refused(message: object, error: str) -> None:
    with pytest.raises(InvalidMessage, match=error.replace("(", r"\(").replace(")", r"\)")):
        clean_message(message, max_chars=2000)


def test_good_message_is_trimmed_and_normalised() -> None:
    assert clean_message("  caf\u0065\u0301 card\n", 2000) == "caf\u00e9 card"
    assert clean_message(b"my card", 2000) == "my card"


def test_session_ids() -> None:
    assert check_session_id("abc-123_x.y:z") == "abc-123_x.y:z"
    for bad in ("", "a" * 65, "has space", "semi;colon", "../etc"):
        with pytest.raises(InvalidSessionId):
            check_session_id(bad)


def test_redact_masks_personal_data() -> None:
    text = ("card 4111 1111 1111 1111, iban IE29 AIBK 9311 5212 3456 78, "
            "mail jo.doe+bank@example.com, call +353 1 555 0100")
    assert redact(text) == "card [CARD ****1111], iban [IBAN], mail [EMAIL], call [PHONE]"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("sort code 12-34-56 please", "sort code [SORT CODE] please"),
        ("my sort code is 123456", "my sort code is [SORT CODE]"),
        ("account number 41234567 is mine", "account number [ACCOUNT] is mine"),
        ("acct no. 0012 3456 78", "acct no. [ACCOUNT]"),
        ("NI number JG 10 37 72 A", "NI number [NATIONAL ID]"),
        ("ssn 078-05-1120", "ssn [NATIONAL ID]"),
        ("card 5500-0000-0000-0004 declined", "card [CARD ****0004] declined"),
    ],
)
def test_redact_masks_bank_and_national_identifiers(text: str, masked: str) -> None:
    assert redact(text) == masked


def test_redact_keeps_numbers_that_are_not_personal_data() -> None:
    text = "I paid 1234 EUR on 12/03 and ref 4111 1111 1111 1112 failed Luhn"
    assert redact(text) == text
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")
    assert iban_valid("GB82 WEST 1234 5698 7654 32")
    assert not iban_valid("GB82 WEST 1234 5698 7654 33")
