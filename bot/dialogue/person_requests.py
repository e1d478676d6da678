"""Words with which a customer asks for a person rather than the assistant: they back up the
intent model's reading of a request for a person, or stand in for it."""

from __future__ import annotations

import re

# Words that name someone to talk to: a model sure of "person" for "what's the weather?" is
# wrong, and one that reads a form's answer ("civil servant, so very secure") as a request
# for a person needs them too.
ASKS_FOR_SOMEONE = re.compile(
    r"\b(person|human|agent|someone|somebody|manager|staff|representative|operator|advisor|"
    r"adviser|colleague|team|speak|talk|call me)\b", re.IGNORECASE)
# Asks in so many words for a person rather than the assistant ("I prefer to speak with a
# worker of the bank, not with machine", "can someone from the bank write me?"): enough for a
# handoff whenever the model places the message nowhere, however it ranks the handoff.
WANTS_A_PERSON = re.compile(
    r"\b(speak|talk|chat|write|explain)\w*\b.{0,50}\b(person|human|agent|worker|employee|"
    r"staff|representative|operator|adviser|advisor|people|someone|somebody|real one|manager|"
    r"supervisor)\b|"
    r"\b(person|human|agent|worker|employee|someone|somebody)\b.{0,40}\b(write|call|speak|"
    r"talk)\w*\b.{0,10}\b(me|with me|to me)\b|"
    r"\b(not|no|instead of|rather than)\s+(with\s+|to\s+)?(a\s+|an\s+|the\s+)?(machine|bot|"
    r"robot|computer|automatic|automated)|"
    # "Can you put me through to staff?", "connect me with someone on your team"
    r"\b(put|transfer|connect|pass|send)\w*\s+me\s+((through|over|on)\s+)?(to|with)\s+"
    r"(a\s+|an\s+|the\s+|your\s+|some\s+|one of your\s+)?(person|human|agent|staff|someone|"
    r"somebody|team|colleague|manager|advis[eo]r|representative|operator|people)\b|"
    # "i wnat a actual humen bean pls": an actual / a real human, however it is spelt
    r"\b(real|actual|live|proper)\s+(person|h[uo]+m[ae]n|agent|people|being)\b",
    re.IGNORECASE)


def asks_for_a_person(text: str) -> bool:
    """The message names someone to talk to, or asks for a person in so many words."""
    return bool(ASKS_FOR_SOMEONE.search(text) or WANTS_A_PERSON.search(text))
