"""Text identity: when two sentences count as the same one.

The KB loader (an example listed under two intents), the review queue (one question asked
again in other case or spacing) and the training data (repeated rows) all use this rule.
"""

from __future__ import annotations

import hashlib


def collapse_whitespace(text: str) -> str:
    """Runs of spaces, tabs and line breaks become one space; the ends are trimmed."""
    return " ".join(text.split())


def sentence_key(text: str) -> str:
    """The same sentence in another case or spacing gives the same key."""
    return collapse_whitespace(text).casefold()


def sentence_hash(text: str) -> str:
    """`sentence_key` as a fixed-length hex digest, for database columns and file names."""
    return hashlib.sha256(sentence_key(text).encode()).hexdigest()
