"""Which language a message is read in: the channel's locale, else the script, with short
messages kept in the session's language."""

from __future__ import annotations

import pytest

from bot.nlu.language import detect_language, matching_language, short_phrases

LANGUAGES = ["en", "zh"]


@pytest.mark.parametrize(("text", "previous", "expected"), [
    ("我的新卡到现在还没收到", None, "zh"),
    ("請問怎麼開戶", None, "zh"),  # traditional characters
    ("PIN码忘了", "en", "zh"),  # Latin words inside a Chinese message
    ("用app充值失败了", "en", "zh"),
    ("top up失败了", None, "zh"),
    ("My card has not arrived", "zh", "en"),
    ("how do you say 谢谢 in English", "zh", "en"),
    ("ok", "zh", "zh"),  # too short to tell: the session's language
    ("PIN", "zh", "zh"),
    ("yes please", "zh", "zh"),
    ("500", "zh", "zh"),
    ("👍", "zh", "zh"),
    ("ok", None, "en"),  # a new session: the KB's main language
    ("카드가 안 왔어요", "zh", "zh"),  # a script no locale is written in: keep
])
def test_detect_language(text: str, previous: str | None, expected: str) -> None:
    assert detect_language(text, LANGUAGES, previous) == expected


def test_a_kb_in_chinese_only_reads_latin_words_in_its_language() -> None:
    assert detect_language("where is my card", ["zh"], None) == "zh"


@pytest.mark.parametrize(("requested", "expected"), [
    ("zh", "zh"), ("zh-CN", "zh"), ("zh_Hant", "zh"), ("ZH-tw", "zh"), ("en-IE", "en"),
    ("de-DE", None), ("", None), (None, None),
])
def test_matching_language(requested: str | None, expected: str | None) -> None:
    assert matching_language(requested, LANGUAGES) == expected


LATIN = ["en", "es", "zh"]


@pytest.mark.parametrize(("text", "previous", "expected"), [
    ("mi tarjeta no ha llegado", None, "es"),
    ("quiero un préstamo para un coche", "en", "es"),
    ("cuanto cuesta retirar del atm", "en", "es"),  # no accents, an English word
    ("My card has not arrived", "es", "en"),
    ("I'd like to cancel a transfer", "es", "en"),
    ("gracias", "en", "es"),  # short, but the detector is sure
    ("ok", "es", "es"),  # short and unsure: the session's language
    ("PIN", "es", "es"),
    ("hello", None, "en"),  # read as Spanish at 0.61: not sure enough to leave English
    ("我的卡没到", "es", "zh"),
])
def test_latin_languages_are_told_apart_by_the_detector(
        text: str, previous: str | None, expected: str) -> None:
    assert detect_language(text, LATIN, previous) == expected


def test_a_short_phrase_of_one_language_s_examples_settles_it() -> None:
    phrases = {"en": short_phrases(["hi", "hello there", "where is my card"]),
               "es": short_phrases(["¡Hola!", "buenas tardes", "ok"]),
               "zh": short_phrases(["你好"])}
    assert detect_language("hola", LATIN, None) == "en"  # the detector alone is unsure
    assert detect_language("Hola", LATIN, None, phrases) == "es"
    assert detect_language("ok", LATIN, "en", phrases) == "es"  # only Spanish lists it
    assert detect_language("where is my card", LATIN, "es", phrases) == "en"


def test_the_session_s_language_is_read_only_when_the_message_does_not_tell() -> None:
    reads: list[str] = []

    def session_language() -> str:
        reads.append("read")
        return "zh"

    assert detect_language("我的卡丢了", LATIN, session_language) == "zh"
    assert detect_language("mi tarjeta no ha llegado todavía", LATIN, session_language) == "es"
    assert detect_language("where is my card", LANGUAGES, session_language) == "en"
    assert reads == []  # each message told its language: no session read
    assert detect_language("ok", LATIN, session_language) == "zh"
    assert reads == ["read"]
