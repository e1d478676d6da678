"""Which of a choice slot's options a message names: by its title, value or a synonym,
as whole words, unless the words before it take it back ("ignore what I said about
renting"). Answers in other words are matched by meaning elsewhere (bot.nlu.paraphrase)."""

from __future__ import annotations

import re

from bot.kb import FormSlot
from bot.nlu.chinese import for_forms
from bot.nlu.spelling import edits1


def normalise(text: str) -> str:
    """Lower case, words separated by single spaces, with a space at each end."""
    return " " + " ".join(re.sub(r"[^\w€£$%']+", " ", text.lower()).split()) + " "


# Words that take back the phrase after them in the same clause ("ignore what I said about
# renting", "not renting any more", "I don't rent", "sorry, I said renting but ..."): a
# choice named only that way is not the answer.
NEGATED = re.compile(r"\b(?:not|no longer|never|ignore|forget|instead of|rather than|"
                     r"(?<!as )(?<!like )i (?:said|put|wrote|answered)|"
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


# A word of this many letters or more, one edit away from exactly one word of the choices'
# phrases and not itself one of them, is read as that word when the slot was asked: "its
# steddy" answers "Steady", "groth" is growth. Shorter words are left alone ("rant" is no
# "rent").
TYPO_MIN_LETTERS = 5
_LETTER_WORD = re.compile(r"[A-Za-z]+")


def _choice_words(slot: FormSlot) -> set[str]:
    return {word for phrases in choice_phrases(slot).values() for phrase in phrases
            for word in _LETTER_WORD.findall(phrase.lower()) if len(word) >= TYPO_MIN_LETTERS}


def with_typos_repaired(slot: FormSlot, text: str) -> str:
    """`text` with each misspelt word of the slot's choices written right (see
    TYPO_MIN_LETTERS); unchanged when no word is."""
    vocabulary = _choice_words(slot)

    def repair(found: re.Match[str]) -> str:
        word = found.group(0).lower()
        if len(word) < TYPO_MIN_LETTERS or word in vocabulary:
            return found.group(0)
        near = edits1(word) & vocabulary
        return near.pop() if len(near) == 1 else found.group(0)

    return _LETTER_WORD.sub(repair, text)


def match_choice(slot: FormSlot, text: str, specific_only: bool = False) -> str | None:
    """The choice whose title, value or synonym appears in the text (longest phrase wins),
    unless the words before it take it back ("ignore what I said about renting").
    `specific_only` for slots nobody asked about: short common words do not count ("own"
    in "my own business" is no answer about housing; "renovation" or "I own my home" is),
    and misspelt words are not repaired."""
    found = _match_choice(slot, text, specific_only)
    if found is None and not specific_only:
        repaired = with_typos_repaired(slot, text)
        if repaired != text:
            found = _match_choice(slot, repaired, specific_only)
    return found


def _match_choice(slot: FormSlot, text: str, specific_only: bool) -> str | None:
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


# A short answer that names no choice but whose telling words all belong to several ("car"
# to "What is the loan for?": "A new car" or "A used car") is asked about with those choices
# only. Filler ("I want to buy a car") and words of the form's own task ("a car loan") tell
# nothing; any other word no choice uses ("a new card") makes the message something else.
MAX_NARROWING_WORDS = 6
_FILLER = frozenset({
    "a", "an", "the", "my", "our", "for", "to", "of", "it", "its", "is", "on", "in", "at",
    "and", "or", "with", "some", "i", "d", "s", "m", "ll", "ve", "we", "please", "want",
    "wanna", "need", "buy", "buying", "get", "getting", "like", "would", "just", "probably",
    "maybe", "perhaps", "think", "guess", "um", "uh", "er", "so", "well", "yes", "yeah",
    "ok", "okay", "one"})
# A phrase that names its choice by what the customer would not do ("wouldn't sell" for
# holding on) lends its words to no narrowing: "sell" fits the selling choices only.
_NEGATIVE = re.compile(r"\b(not|no|never|\w+n't)\b", re.IGNORECASE)


def narrowed_choices(slot: FormSlot, text: str, task: str = "") -> list[str]:
    """The values of the choices a short answer fits without naming any of them: two or
    more, and fewer than all; [] otherwise (Latin-script words only). `task`: the form's
    title, whose words tell nothing about the choice."""
    task_words = set(_LETTER_WORD.findall(task.lower()))
    words = _LETTER_WORD.findall(for_forms(text).lower())
    if not words or len(words) > MAX_NARROWING_WORDS or asks_something(text):
        return []
    phrase_words = {value: {word for phrase in phrases if not _NEGATIVE.search(phrase)
                            for word in _LETTER_WORD.findall(phrase.lower())}
                    for value, phrases in choice_phrases(slot).items()}
    used = set().union(*phrase_words.values())
    content = {word for word in words if word not in _FILLER and word not in task_words}
    if not content or not content <= used:
        return []
    fitting = [value for value, vocabulary in phrase_words.items() if content <= vocabulary]
    return fitting if 2 <= len(fitting) < len(slot.choices) else []


def choice_phrases(slot: FormSlot) -> dict[str, list[str]]:
    """Each choice's value and the phrases that name it: title, value, synonyms."""
    return {c.value: [c.title, c.value.replace("_", " "), *c.synonyms] for c in slot.choices}
