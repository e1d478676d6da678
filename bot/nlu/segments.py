"""Split a customer message into the parts it may hold: "hi! my card hasn't come, and how
much is a transfer to the UK?" is a greeting and two requests.

Pure text rules, no model: the dialogue manager understands each part and decides whether
the split was real (two confident, different requests) or not (one request that happens to
contain "and"). Most messages have one part and cost nothing more.
"""

from __future__ import annotations

import re

# Sentence ends, and joins that start a new request ("..., also ...", "... and then ...").
# "also" after a pronoun, "to", a modal or an auxiliary belongs to its clause ("could I also
# get a statement?", "is it possible to also get a virtual card?", "I shall also need a
# letter"): the break, if any, is before.
STRONG_BREAK = re.compile(
    r"(?<=[.?!;])\s+|\n+|\s+[-\u2013\u2014]+\s+|"
    r"\s*,?\s+and\s+(?=(?:could|can|may|would|will|should|do)\s+(?:i|you|we)\s+also\b)|"
    r"\s+\+\s+(?=[a-z])|"
    r"(?<!\bi)(?<!\byou)(?<!\bwe)(?<!\bto)(?<!\bcan)(?<!\bcould)(?<!\bwould)(?<!\bwill)"
    r"(?<!\bit)(?<!\bplease)(?<!\bshall)(?<!\bshould)(?<!\bmust)(?<!\bmay)(?<!\bmight)"
    r"(?<!'d)(?<!'ll)(?<!\bam)(?<!\bis)(?<!\bare)(?<!\bdo)(?<!\bdid)(?<!\bhave)(?<!\bthey)"
    r"\s*,?\s+(?:and also|n also|& also|also|plus|and then|oh and|"
    r"as well as that|another thing|one more thing|btw|by the way|and separately|"
    r"separately)\b[\s,:]*", re.IGNORECASE)
# A plain "and" (or ", and") between two clauses: only a candidate split (see WEAK_MIN_WORDS).
WEAK_BREAK = re.compile(r"\s*,\s*and\s+|\s+and\s+(?=(?:i|i'm|im|i've|ive|i'd|my|can|could|how|"
                        r"what|when|where|why|is|are|do|does|will|would|please|honestly|the|"
                        r"there|it|you|your|also|then|now|need|want)\b)|\s*,\s*(?=(?:how|what|"
                        r"when|where|why|can|could|is|are|do|does|will)\b)", re.IGNORECASE)
WEAK_MIN_WORDS = 3
# Words that say a second request follows ("also", "btw", "another thing", a dash): a message
# with them is read in parts at once; one split only at full stops or "and" is read in parts
# only when the whole message is unclear (most such messages tell one story).
EXPLICIT_JOIN = re.compile(
    r"\b(?:also|plus|and then|oh and|as well as that|another thing|one more thing|btw|"
    r"by the way|and separately|two (?:more |other |quick )?things|secondly|and honestly)\b"
    r"|\s\+\s(?=[a-z])",
    re.IGNORECASE)
# A second question joined by "and" ("what's the fee and where do I see my IBAN?"): read in
# parts unless the whole message reads clearly, even when it gets an answer. A comma alone
# mostly joins the story to its question ("my card's frozen, what can I do?").
SECOND_QUESTION = re.compile(
    r",?\s+and\s+(?:where|how|what|whats|what's|when|why|which|who|can|could|do|does|"
    r"is|are|i (?:also )?(?:want|need|would like|'d like))\b",
    re.IGNORECASE)
# Words that announce requests without asking anything ("Two things while I have you, ...").
ANNOUNCE = (r"(?:two|2|a couple of|a few) (?:more |other )?(?:quick )?(?:things|questions|qs)"
            r"(?: (?:while i(?:'ve| have) (?:got )?you|for you|quickly|please|actually|today))?")
# Join words left at the start of a part ("... card. Also, how much ...").
LEADING_JOIN = re.compile(r"^\W*(?:and also|also|plus|and then|oh and|and|as well as that|"
                          r"another thing|one more thing|btw|by the way|separately|"
                          rf"and separately|honestly|{ANNOUNCE})\b[\s,:]*",
                          re.IGNORECASE)
# An aside in front of a question ("btw", "by the way", "one more thing:"); a bare "and"
# stays ("and to Germany?" is a follow-up, read with the last topic).
ASIDE = re.compile(r"^\W*(?:and also|also|and then|oh and|as well as that|another thing|"
                   r"one more thing|btw|by the way|separately|and separately|honestly|"
                   rf"quick question|{ANNOUNCE})\b[\s,:]*", re.IGNORECASE)
# A greeting in front of the message: "hi", "hello there", "good morning lumen", "hey,".
GREETING = re.compile(
    r"^\W*(?:hi+|hello+|hey+|hiya|howdy|howya|yo|hallo|greetings|good (?:morning|afternoon|"
    r"evening|day)|g'day|"
    r"morning|evening|dear (?:sir|madam|team|bank)|hi there|hello there|hey there)"
    r"(?:\s+(?:there|all|team|everyone|folks|bot|lumen|teller))?\b[\s,.!:;-]*", re.IGNORECASE)
# Thanks at the end: "..., thanks", "... thank you!", "... cheers".
THANKS = re.compile(r"[\s,.!-]*\b(?:thanks(?: a lot| so much| in advance)?|thank you(?: so much|"
                    r"in advance)?|thx|ty|cheers|ta|many thanks)\W*$", re.IGNORECASE)
MAX_PARTS = 4


def words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def strip_courtesies(text: str) -> tuple[str, bool, bool]:
    """The message without a leading greeting and a trailing thanks, and whether each was
    there. The text is returned unchanged when nothing would be left of it."""
    greeting = GREETING.match(text)
    rest = text[greeting.end():] if greeting else text
    thanks = THANKS.search(rest)
    core = rest[:thanks.start()] if thanks else rest
    if words(core) == 0:
        return text, False, False
    return core.strip(), greeting is not None, thanks is not None


def split_strong(text: str) -> list[str]:
    """Parts at sentence ends and at joins that start another request."""
    parts = [LEADING_JOIN.sub("", p.strip(" ,;")) for p in STRONG_BREAK.split(text)]
    return [p for p in parts if words(p) > 0]


# A short wh-question whose only subject points back ("I forget PIN to my card, where I can
# see it?", "my card is blocked, how do I fix it?") asks about the statement before it: no
# part of its own ("..., can i dispute that" names what it asks for, and "how do I freeze my
# card and how do I dispute it?" follows a question: parts).
LEANS_BACK = re.compile(r"^\W*(?:how|what|where|when|why|which)\b.*"
                        r"\b(?:it|that|this|them)\W*$", re.IGNORECASE)
LEANS_BACK_WORDS = 6


def split_weak(text: str) -> list[str]:
    """Parts at a plain "and" / comma between clauses, when each side is a clause of its own
    (WEAK_MIN_WORDS words or more); otherwise the text whole."""
    pieces = [LEADING_JOIN.sub("", p.strip(" ,;")) for p in WEAK_BREAK.split(text)]
    pieces = [p for p in pieces if p]
    if len(pieces) < 2 or any(words(p) < WEAK_MIN_WORDS for p in pieces):
        return [text]
    joined: list[str] = []
    for piece in pieces:
        if (joined and words(piece) <= LEANS_BACK_WORDS and LEANS_BACK.match(piece)
                and ASKS.search(joined[-1]) is None):
            joined[-1] = f"{joined[-1]}, {piece}"
        else:
            joined.append(piece)
    return joined if len(joined) > 1 else [text]


# A sentence of one word that only remarks on things ("Brilliant.", "Seriously?", "Ugh."):
# no part of its own.
REMARK = re.compile(
    r"^\W*(?:brilliant|great|fantastic|typical|lovely|perfect|wonderful|marvellous|superb|"
    r"seriously|honestly|really|ugh+|argh+|wow|sigh|jeez|geez|unbelievable|ridiculous|"
    r"amazing|classic|cheers|anyway|annoying|hopeless|useless|awesome)\W*$", re.IGNORECASE)


def candidate_parts(text: str) -> list[str]:
    """The request parts a message may hold (courtesies and one-word remarks removed), at
    most MAX_PARTS; one part when it holds one."""
    core, _, _ = strip_courtesies(text)
    parts: list[str] = []
    for strong in split_strong(core):
        stripped, _, _ = strip_courtesies(strong)
        if REMARK.match(stripped):
            continue
        parts.extend(split_weak(stripped))
    return parts[:MAX_PARTS] if parts else [core]


# A message split only at full stops or "and", with no word saying it holds more than one
# thing, is mostly one story told in several sentences: read in parts only when it is short.
MAX_UNMARKED_PARTS = 2
MAX_UNMARKED_WORDS = 25


def short_enough(parts: list[str], text: str, max_parts: int = MAX_UNMARKED_PARTS,
                 max_words: int = MAX_UNMARKED_WORDS) -> bool:
    return len(parts) <= max_parts and words(text) <= max_words


# A comma or semicolon between clauses (not inside a number: "5,200").
CLAUSE_BREAK = re.compile(r"(?<!\d)[,;]|[,;](?!\d)")
MIN_CLAUSE_WORDS = 4


def story_clauses(parts: list[str], longer_than: int) -> list[str]:
    """`parts` with each one longer than `longer_than` words cut at its commas: a story told
    in one long sentence ("..., so I suppose what I'm asking is would you lend us something
    towards it, the kids' room is the worst, ...") holds its request in one clause. Clauses
    of fewer than MIN_CLAUSE_WORDS words join the one before."""
    cut: list[str] = []
    for part in parts:
        if words(part) <= longer_than:
            cut.append(part)
            continue
        clauses: list[str] = []
        for clause in (c.strip() for c in CLAUSE_BREAK.split(part)):
            if clauses and words(clause) < MIN_CLAUSE_WORDS:
                clauses[-1] = f"{clauses[-1]}, {clause}"
            elif words(clause) > 0:
                clauses.append(clause)
        cut.extend(clauses)
    return cut


def sentences(text: str) -> list[str]:
    """The message's sentences (courtesies removed), in order."""
    core, _, _ = strip_courtesies(text)
    return [part.strip() for part in SENTENCE_END.split(core) if words(part) > 0]


def message_parts(text: str) -> list[str]:
    """The parts to understand in the same model pass as the whole message: those of a
    message with words that join a second request ("also", "btw", "another thing"). None
    otherwise: a greeting around a message, or several sentences, are read in parts only
    when the whole reads unclearly (the dialogue manager decides, with a second pass)."""
    parts = candidate_parts(text)
    return parts if len(parts) > 1 and EXPLICIT_JOIN.search(text) else []


# A clause that asks something: a question mark at its end, a question word first, or a
# question inside it ("... and the new card that came today how do I activate it").
ASKS = re.compile(r"\?\s*$|^\W*(?:how|what|whats|what's|where|when|why|which|can|could|do|does|"
                  r"is|are)\b|\b(?:how|what|where|when|why) (?:do|can|could|should|would|will|"
                  r"is|are|does) (?:i|you|we|it|they)\b", re.IGNORECASE)
AND_BREAK = re.compile(r"\s*,?\s+and\s+", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.?!;])\s+|\n+")


def joins_a_question(text: str) -> bool:
    """Whether "and" is followed at once by a question word ("... and where do I ...")."""
    return SECOND_QUESTION.search(text) is not None


def asks_a_second_question(text: str) -> bool:
    """Whether a sentence of `text` joins a second question with "and": "and" followed by a
    question word ("what's the fee and where do I see my IBAN?"), or an "and" between two
    clauses of which only the second asks something ("my PIN is locked and the new card
    that came today, how do I activate it")."""
    if joins_a_question(text):
        return True
    for sentence in SENTENCE_END.split(text):
        parts = [p for p in AND_BREAK.split(sentence) if p]
        if (len(parts) == 2 and all(words(p) >= WEAK_MIN_WORDS for p in parts)
                and ASKS.search(parts[1]) is not None and ASKS.search(parts[0]) is None):
            return True
    return False


def without_leading_join(text: str) -> str:
    """`text` without a join word in front ("btw what's your number?" -> "what's your
    number?"): the models read the question, not the aside that announces it. Unchanged when
    fewer than two words would be left."""
    rest = ASIDE.sub("", text, count=1)
    return rest if rest != text and words(rest) >= 2 else text


# A message that asks something: a question mark, or a question word first.
QUESTION = re.compile(
    # "wait whats the least i can start with tho": a word or two of hesitation may come
    # first; "wat time are you open till": as customers type it
    r"\?(?=\s|$)|^\W*(?:(?:wait|hang on|hold on|oh|um+|hmm+|sorry|actually|quick question|also)"
    r"\W+){0,2}(?:what|whats|what's|wat|wats|wot|how|why|when|where|who|which|can|could|do|"
    r"does|did|is|are|will|would|should|may|btw|by the way)\b", re.IGNORECASE)


def asks(text: str) -> bool:
    """Whether the message asks something, also after an aside ("honestly what would I pay
    per year for it")."""
    return QUESTION.search(text) is not None or QUESTION.search(without_leading_join(text)) \
        is not None


# A question about something: never an answer to the form's question ("what happens if I
# miss one payment?" gives no "one" year with the employer).
WH_QUESTION = re.compile(r"^\W*(?:what|whats|what's|how|why|when|where|who|which)\b",
                         re.IGNORECASE)
