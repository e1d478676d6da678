"""Which of the KB's languages a message is in.

The session's locale wins when the channel gives one (the API's session `locale`, the chat
widget's attribute). Otherwise the message's script decides: Han characters are Chinese,
kana Japanese, Hangul Korean, Cyrillic, Greek, Arabic and Hebrew their languages, Latin
letters the Latin-script language of the session (or the KB's main language). A message too
short to tell ("ok", "PIN", "500", "👍", "yes") keeps the session's language, so a Chinese
customer answering a form with "ok" is answered in Chinese.

Between Latin-script languages (English and Spanish, say) a statistical detector decides
(lingua, whose n-gram models ship in its wheel: offline, a few MB per language, loaded once
for the KB's Latin-script languages). It must be sure, more so for a message of two words or
fewer ("hola", "tarjeta perdida"); otherwise the session's language is kept.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import LanguageDetector

_LATIN_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿĀ-ž]+")
# A message of at most this many Latin words and no other script ("ok", "PIN", "yes
# please") tells its language only when the detector is very sure ("tarjeta perdida").
_NEUTRAL_WORDS = 2
# The detector's confidence (0-1, over the KB's Latin-script languages) needed to leave the
# session's language: for short messages and for longer ones. "ok" reads as English at
# 0.89, "hola" as Spanish at 0.66, "mi tarjeta no ha llegado" as Spanish at 0.99.
_SURE_SHORT = 0.9
_SURE = 0.7

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


def detect_language(text: str, languages: list[str],
                    previous: str | Callable[[], str | None] | None = None,
                    phrases: Mapping[str, frozenset[str]] | None = None) -> str:
    """The language of `text` among `languages` (the KB's main language first).

    `previous` (the session's last language, or a function that reads it: called only for
    a message that does not tell by itself) is kept for messages that do not tell.
    `phrases` (`short_phrases` of each language's examples) settle a short Latin message
    that one language's examples hold word for word and no other's ("hola", "gracias")."""

    def kept() -> str:
        said = previous() if callable(previous) else previous
        return said if said in languages else languages[0]

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
            return kept()
    latin = _latin_languages(languages)
    if not latin or (latin_words <= _NEUTRAL_WORDS and len(latin) == 1):
        return kept()
    if len(latin) == 1:
        return latin[0]
    if latin_words:
        if phrases and latin_words <= _NEUTRAL_WORDS:
            said_in = [language for language in latin
                       if normalized_phrase(text) in phrases.get(language, ())]
            if len(said_in) == 1:
                return said_in[0]
        found = _detected_latin_language(text, tuple(latin))
        if found is not None:
            language, confidence = found
            if confidence >= (_SURE_SHORT if latin_words <= _NEUTRAL_WORDS else _SURE):
                return language
    keep = kept()
    if latin_words <= _NEUTRAL_WORDS or keep in latin:
        return keep
    return latin[0]


def normalized_phrase(text: str) -> str:
    """"¡Hola!" -> "hola": lower case, letters and spaces only."""
    return " ".join(_LATIN_WORD.findall(text.lower()))


def short_phrases(examples: Iterable[str]) -> frozenset[str]:
    """A language's examples of at most two Latin words, normalised (`detect_language`)."""
    found = set()
    for example in examples:
        words = _LATIN_WORD.findall(example)
        if 0 < len(words) <= _NEUTRAL_WORDS and len(example) <= 40:
            found.add(normalized_phrase(example))
    return frozenset(found)


def _latin_languages(languages: list[str]) -> list[str]:
    non_latin = {language for _, codes in _SCRIPTS for language in codes}
    return [language for language in languages if base_language(language) not in non_latin]


def warm_up_detector(languages: list[str]) -> None:
    """Load the detector's models for the KB's Latin-script languages now (lingua loads
    them on first use: about 0.4 s, which the first customer would wait)."""
    latin = _latin_languages(languages)
    if len(latin) > 1:
        _detected_latin_language("warm up", tuple(latin))


def _detected_latin_language(text: str, languages: tuple[str, ...]) -> tuple[str, float] | None:
    """The most likely of `languages` for `text` and the detector's confidence in it; None
    when the detector knows fewer than two of them."""
    detector = _latin_detector(languages)
    if detector is None:
        return None
    values = detector.compute_language_confidence_values(text)
    if not values:
        return None
    best = values[0]
    code = best.language.iso_code_639_1.name.lower()
    by_base = {base_language(language): language for language in languages}
    return (by_base[code], float(best.value)) if code in by_base else None


@functools.lru_cache(maxsize=4)
def _latin_detector(languages: tuple[str, ...]) -> LanguageDetector | None:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = []
    for language in languages:
        try:
            codes.append(IsoCode639_1.from_str(base_language(language) or ""))
        except ValueError:  # a language lingua does not know: the script rule decides
            continue
    if len(codes) < 2:
        return None
    # all n-gram models at once (0.3 s at warm-up), not some on the first customer's message
    return (LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
            .with_preloaded_language_models().build())
