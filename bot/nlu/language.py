"""Which of the KB's languages a message is in.

The session's locale wins when the channel gives one (the API's session `locale`, the chat
widget's attribute). Otherwise the message's script decides: Han characters are Chinese,
kana Japanese, Hangul Korean, Cyrillic, Greek, Arabic and Hebrew their languages, Latin
letters the Latin-script language of the session (or the KB's main language). A message too
short to tell ("ok", "PIN", "500", "👍", "yes") keeps the session's language, so a Chinese
customer answering a form with "ok" is answered in Chinese.

Two Latin-script locales (English and German, say) need a statistical detector beyond this
script rule; `detect_language` then keeps the session's language.
"""

from __future__ import annotations

import re
import unicodedata

_LATIN_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿĀ-ž]+")
# A message of at most this many Latin words and no other script ("ok", "PIN", "yes
# please") does not tell its language.
_NEUTRAL_WORDS = 2

# Script of a character -> the languages written in it (first: the usual one).
_SCRIPTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("CJK UNIFIED IDEOGRAPH", ("zh", "ja")),
    ("CJK COMPATIBILITY IDEOGRAPH", ("zh", "ja")),
    ("HIRAGANA", ("ja",)),
    ("KATAKANA", ("ja",)),
    ("HANGUL", ("ko",)),
    ("CYRILLIC", ("ru", "uk", "bg", "sr")),
    ("GREEK", ("el",)),
    ("ARABIC", ("ar", "fa", "ur")),
    ("HEBREW", ("he",)),
    ("THAI", ("th",)),
    ("DEVANAGARI", ("hi", "mr", "ne")),
)


def base_language(code: str | None) -> str | None:
    """"zh-CN", "zh_Hans", "ZH" -> "zh"; None stays None."""
    if not code:
        return None
    return re.split(r"[-_]", code.strip())[0].lower() or None


def matching_language(code: str | None, languages: list[str]) -> str | None:
    """The KB language a requested locale names ("zh-CN" -> "zh"), or None."""
    if not code:
        return None
    if code in languages:
        return code
    base = base_language(code)
    return base if base in languages else None


def _script_languages(char: str) -> tuple[str, ...] | None:
    try:
        name = unicodedata.name(char)
    except ValueError:
        return None
    for prefix, languages in _SCRIPTS:
        if name.startswith(prefix):
            return languages
    return None


def detect_language(text: str, languages: list[str], previous: str | None = None) -> str:
    """The language of `text` among `languages` (the KB's main language first).

    `previous` (the session's last language) is kept for messages that do not tell."""
    main = languages[0]
    keep = previous if previous in languages else main
    counts: dict[str, int] = {}
    for char in text:
        candidates = _script_languages(char)
        if candidates is None:
            continue
        language = next((c for c in candidates if c in languages), None)
        if language is None:
            language = candidates[0]
        counts[language] = counts.get(language, 0) + 1
    latin_words = len(_LATIN_WORD.findall(text))
    if counts:
        language, characters = max(counts.items(), key=lambda item: item[1])
        # "PIN码忘了" is Chinese; "how do you say 谢谢" is not
        if characters >= latin_words and language in languages:
            return language
        if characters >= latin_words:  # a script no locale of the KB is written in
            return keep
    if latin_words <= _NEUTRAL_WORDS:
        return keep
    if keep in _latin_languages(languages):
        return keep
    latin = _latin_languages(languages)
    return latin[0] if latin else main


def _latin_languages(languages: list[str]) -> list[str]:
    non_latin = {language for _, codes in _SCRIPTS for language in codes}
    return [language for language in languages if base_language(language) not in non_latin]
