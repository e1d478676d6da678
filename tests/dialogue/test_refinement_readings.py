"""The intent model's readings of the FAQ questions are kept per model files: an assistant
built again over the same model reads only the questions it has not seen."""

from __future__ import annotations

from dataclasses import replace

from bot.dialogue.refinements import FaqRefinements, ReadingCache
from bot.nlu.types import IntentPrediction, IntentScore


class CountingReader:
    def __init__(self, intent: str) -> None:
        self.intent = intent
        self.read_texts: list[str] = []

    def __call__(self, texts: list[str]) -> list[IntentPrediction]:
        self.read_texts.extend(texts)
        return [IntentPrediction([IntentScore(self.intent, 0.9)]) for _ in texts]


def test_a_second_map_over_the_same_model_reads_only_new_questions(
        default_kb, monkeypatch) -> None:
    cache = ReadingCache(models=2)
    monkeypatch.setattr("bot.dialogue.refinements.READINGS", cache)
    first = CountingReader("get_physical_card")
    parents = FaqRefinements(default_kb, first, model=("model", 1, 1)).parents()
    assert parents and first.read_texts  # one pass over every intent-less entry's questions

    again = CountingReader("get_physical_card")
    assert FaqRefinements(default_kb, again, model=("model", 1, 1)).parents() == parents
    assert again.read_texts == []

    # a KB edit: one entry gains a question; only that question is read
    entry = next(e for e in default_kb.faq.values() if e.intent is None)
    edited_entry = entry.model_copy(
        update={"questions": [*entry.questions, "a question nobody asked"]})
    edited = replace(default_kb, faq={**default_kb.faq, entry.id: edited_entry})
    after_edit = CountingReader("get_physical_card")
    FaqRefinements(edited, after_edit, model=("model", 1, 1)).parents()
    assert after_edit.read_texts == ["a question nobody asked"]


def test_another_model_reads_every_question_again(default_kb, monkeypatch) -> None:
    cache = ReadingCache(models=1)
    monkeypatch.setattr("bot.dialogue.refinements.READINGS", cache)
    old = FaqRefinements(default_kb, CountingReader("card_arrival"), model=("model", 1, 1))
    assert set(old.parents().values()) == {"card_arrival"}
    retrained = CountingReader("get_physical_card")
    new = FaqRefinements(default_kb, retrained, model=("model", 2, 5))
    assert set(new.parents().values()) == {"get_physical_card"}
    assert retrained.read_texts
    # the cache keeps one model: the first is read again, not mixed with the second's
    reread = CountingReader("card_arrival")
    FaqRefinements(default_kb, reread, model=("model", 1, 1)).parents()
    assert len(reread.read_texts) == len(retrained.read_texts)
