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
the model and the knowledge base it serves. The model's readings are kept per model files
for the process (`READINGS`): an assistant built again over the same model (a second
worker's assistant, a test's) reads only the questions it has not seen.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable

from bot.kb import KnowledgeBase
from bot.nlu.types import IntentPrediction

# An entry's question counts for an intent when the model reads it as that intent with at
# least this confidence; the entry refines the intent when most of its questions do.
PARENT_CONFIDENCE = 0.5

ReadMany = Callable[[list[str]], list[IntentPrediction]]
TopReading = tuple[str, float] | None  # a question's first intent and its confidence


def top_reading(prediction: IntentPrediction) -> TopReading:
    first = prediction.ranking[0] if prediction.ranking else None
    return (first.name, first.confidence) if first is not None else None


class ReadingCache:
    """The top intent each question was read as, per model (keyed by the model files'
    identity), for the last few models a process served."""

    def __init__(self, models: int = 4) -> None:
        self.models = models
        self._by_model: OrderedDict[Hashable, dict[str, TopReading]] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, model: Hashable, questions: list[str], read: ReadMany) -> list[TopReading]:
        with self._lock:
            known = dict(self._by_model.get(model, {}))
        missing = list(dict.fromkeys(q for q in questions if q not in known))
        if missing:
            for question, prediction in zip(missing, read(missing), strict=True):
                known[question] = top_reading(prediction)
            with self._lock:
                self._by_model[model] = known
                self._by_model.move_to_end(model)
                while len(self._by_model) > self.models:
                    self._by_model.popitem(last=False)
        return [known[q] for q in questions]

    def clear(self) -> None:
        with self._lock:
            self._by_model.clear()


READINGS = ReadingCache()


class FaqRefinements:
    """Which intent each intent-less FAQ entry refines, by the intent model's own reading
    of its questions."""

    def __init__(self, kb: KnowledgeBase, read: ReadMany,
                 model: Hashable | None = None) -> None:
        """`model`: the identity of the model files behind `read`, to share its readings
        with other maps over the same model (`READINGS`); None reads every question."""
        self.kb = kb
        self._read = read
        self._model = model
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
        readings = iter(self._top_readings(questions))
        parents: dict[str, str] = {}
        for entry in entries:
            votes: Counter[str] = Counter()
            for _ in entry.questions:
                top = next(readings)
                if top is not None and top[1] >= PARENT_CONFIDENCE:
                    votes[top[0]] += 1
            if votes:
                intent, count = votes.most_common(1)[0]
                if 2 * count > len(entry.questions):
                    parents[entry.id] = intent
        return parents

    def _top_readings(self, questions: list[str]) -> list[TopReading]:
        if not questions:
            return []
        if self._model is not None:
            return READINGS.read(self._model, questions, self._read)
        return [top_reading(prediction) for prediction in self._read(questions)]
