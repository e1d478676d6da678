"""Words with which a customer asks to start again: read before an answer inside a form, so
that "let's start over" ends it whatever the intent model made of it, and never taken for
a choice in other words."""

from __future__ import annotations

import re

# Any words for starting again ("reset", "from the top" included): inside a form, where an
# answer cannot mean them, enough to end it.
RESTART = re.compile(
    r"\b(start (it |this |all )?(over|again|afresh|from scratch)|restart|reset|begin again|"
    r"from the (top|beginning|start)|new conversation)\b", re.IGNORECASE)
# Only the words that cannot mean anything else ("reset my PIN", "from the start of 2020" can).
START_OVER = re.compile(r"\b(start (it |this |all )?(over|again|afresh|from scratch)|restart|"
                        r"begin again|new conversation)\b", re.IGNORECASE)


def says_start_over(text: str) -> bool:
    """The customer asks to start over in words that mean nothing else."""
    return bool(START_OVER.search(text))


def asks_to_restart(text: str) -> bool:
    """The customer says in so many words that they want to start again."""
    return bool(RESTART.search(text))
