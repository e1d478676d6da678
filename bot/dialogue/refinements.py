"""FAQ entries that refine an intent: a narrower answer inside an intent's topic.

Many FAQ entries have no intent of their own ("What is the contactless limit?", "I forgot my
card PIN, where can I see it?"): the intent model was never taught them, so a customer who
asks one in other words is read as the broad intent around it (BANKING77 files "where is my
PIN?" under `get_physical_card`) with high confidence, and gets the broad answer. The intent
model itself says which intent an entry lives in: the one it reads most of the entry's own
questions as. `RulePolicy` lets such an entry answer a message read as that intent when the
intent's own FAQ entry is not among the message's best matches or far behind it.

The map comes from the serving intent model (one batched pass over the entries'
questions), computed at warm-up and before a retrained model is swapped in, so it follows
the model and the knowledge base it serves.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from bot.kb import KnowledgeBase
from bot.nlu.types import IntentPrediction

# An entry's question counts for an intent when the model reads it as that intent with at
# least this confidence; the entry refines the intent when most of its questions do.
PARENT_CONFIDENCE = 0.5

ReadMany = Callable[[list[str]], list[IntentPrediction]]


class FaqRefinements:
    """Which intent each intent-less FAQ entry refines, by the intent model's own reading
    of its questions."""

    def __init__(self, kb: KnowledgeBase, read: ReadMany) -> None:
        self.kb = kb
        self._read = read
        self._parents: dict[str, str] | None = None
        self._lock = threading.Lock()

    def parent(self, entry_id: str) -> str | None:
        """The intent the entry refines, or None (an entry with an intent, or one whose
        questions the model reads as no single intent)."""
        return self.parents().get(entry_id)

    def parents(self) -> dict[str, str]:
        if self._parents is not None:  # computed once; every message reads it
            return self._parents
        with self._lock:
            if self._parents is None:
                self._parents = self._compute()
            return self._parents

    def _compute(self) -> dict[str, str]:
        entries = [entry for entry in self.kb.faq.values()
                   if entry.intent is None and entry.questions]
        questions = [question for entry in entries for question in entry.questions]
        readings = iter(self._read(questions)) if questions else iter(())
        parents: dict[str, str] = {}
        for entry in entries:
            votes: Counter[str] = Counter()
            for _ in entry.questions:
                ranking = next(readings).ranking
                if ranking and ranking[0].confidence >= PARENT_CONFIDENCE:
                    votes[ranking[0].name] += 1
            if votes:
                intent, count = votes.most_common(1)[0]
                if 2 * count > len(entry.questions):
                    parents[entry.id] = intent
        return parents
