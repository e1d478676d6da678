"""Which of a choice slot's options a message names: by its title, value or a synonym,
as whole words, unless the words before it take it back ("ignore what I said about
renting"). Answers in other words are matched by meaning elsewhere (bot.nlu.paraphrase)."""

from __future__ import annotations

import re

from bot.kb import FormSlot
from bot.nlu.chinese import for_forms


def normalise(text: str) -> str:
    """Lower case, words separated by single spaces, with a space at each end."""
    return " " + " ".join(re.sub(r"[^\w€£$%']+", " ", text.lower()).split()) + " "


# Words that take back the phrase after them in the same clause ("ignore what I said about
# renting", "not renting any more", "I don't rent"): a choice named only that way is not
# the answer.
NEGATED = re.compile(r"\b(?:not|no longer|never|ignore|forget|instead of|rather than|"
                     r"\w+n't|dont|didnt|wasnt|isnt|arent|不|没|別|别|不 再|不 是)\b[\w' ]{0,30}$")
CLAUSE_END = re.compile(r"[,;.!?]|\bbut\b")
# A choice question is answered in a few words; a longer question that happens to hold a
# choice's word asks something else ("Hold on - if the bank went under, would my
# investments be covered?" is no "Hold on and wait").
MAX_CHOICE_QUESTION_WORDS = 6


def asks_something(text: str) -> bool:
    """Whether a sentence of the message is a question ("Before we continue, will you check
    my credit? I have never borrowed." asks, though it ends in a full stop)."""
    return re.search(r"\?(?=\s|$)", text) is not None


def _named(phrase: str, text: str) -> bool:
    """Whether `text` names `phrase` (as whole words) other than to take it back."""
    phrase, text = for_forms(phrase), for_forms(text)
    words = re.sub(r"[^\w€£$%']+", " ", phrase.lower()).split()
    if not words:
        return False
    pattern = r"(?<![\w'])" + r"[^\w€£$%']+".join(map(re.escape, words)) + r"(?![\w'])"
    lowered = text.lower()
    for found in re.finditer(pattern, lowered):
        before = lowered[:found.start()]
        ends = list(CLAUSE_END.finditer(before))
        clause = before[ends[-1].end():] if ends else before
        if not NEGATED.search(clause):
            return True
    return False


def match_choice(slot: FormSlot, text: str, specific_only: bool = False) -> str | None:
    """The choice whose title, value or synonym appears in the text (longest phrase wins),
    unless the words before it take it back ("ignore what I said about renting").
    `specific_only` for slots nobody asked about: short common words do not count ("own"
    in "my own business" is no answer about housing; "renovation" or "I own my home" is)."""
    text = for_forms(text)
    if asks_something(text) and len(normalise(text).split()) > MAX_CHOICE_QUESTION_WORDS:
        return None
    best: tuple[int, str] | None = None
    for choice in slot.choices:
        phrases = [choice.title, choice.value.replace("_", " "), *choice.synonyms]
        for phrase in phrases:
            needle = normalise(for_forms(phrase))
            if specific_only and len(needle.split()) < 2 and len(needle.strip()) < 5:
                continue
            if best is not None and len(needle) <= best[0]:
                continue
            if _named(phrase, text):
                best = (len(needle), choice.value)
    return best[1] if best else None


def choice_phrases(slot: FormSlot) -> dict[str, list[str]]:
    """Each choice's value and the phrases that name it: title, value, synonyms."""
    return {c.value: [c.title, c.value.replace("_", " "), *c.synonyms] for c in slot.choices}
