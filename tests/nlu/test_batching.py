"""Micro-batching: concurrent callers share model batches and get exactly their own results."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.batching import MicroBatcher
from bot.pipeline import Assistant


def test_concurrent_items_are_batched_and_each_gets_its_result() -> None:
    sizes: list[int] = []

    def double(items: list[int]) -> list[int]:
        sizes.append(len(items))
        time.sleep(0.01)  # a model pass: the others queue up meanwhile
        return [2 * i for i in items]

    batcher = MicroBatcher(double, max_batch=8)
    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(batcher.submit, range(200)))
    assert results == [2 * i for i in range(200)]
    assert max(sizes) == 8 and sum(sizes) == 200
    assert batcher.batches == len(sizes) < 200


def test_one_bad_item_fails_alone() -> None:
    def picky(items: list[str]) -> list[str]:
        if "bad" in items:
            raise ValueError("bad item")
        return [i.upper() for i in items]

    batcher = MicroBatcher(picky)
    barrier = threading.Barrier(6)

    def call(item: str) -> str:
        barrier.wait()
        try:
            return batcher.submit(item)
        except ValueError as exc:
            return f"error: {exc}"

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(call, ["a", "b", "bad", "c", "d", "e"]))
    assert results == ["A", "B", "error: bad item", "C", "D", "E"]
    with pytest.raises(ValueError, match="max_batch"):
        MicroBatcher(picky, max_batch=0)


def test_batched_understanding_equals_one_at_a_time(tiny_assistant: Assistant) -> None:
    messages = ["hello", "my card hasnt arived", "I lost my card", "/card_arrival",
                "what is a quasar?", "where do I find my IBAN", "bye"]
    batched = tiny_assistant.understand_many(messages)
    for message, together in zip(messages, batched, strict=True):
        alone = tiny_assistant.understand(message)
        assert [s.name for s in together.prediction.ranking] == \
            [s.name for s in alone.prediction.ranking]
        for a, b in zip(together.prediction.ranking, alone.prediction.ranking, strict=True):
            assert a.confidence == pytest.approx(b.confidence, abs=1e-4)
        assert together.prediction.out_of_scope == alone.prediction.out_of_scope
        assert [h.entry.id for h in together.faq_hits] == [h.entry.id for h in alone.faq_hits]
        assert together.forced == alone.forced


def test_a_dropped_batcher_frees_what_it_runs_and_its_worker_ends() -> None:
    """An assistant that is dropped (a test's, one replaced) must free its models: the
    worker thread must not keep its batcher, and so the assistant, alive."""

    class Owner:
        def run(self, items: list[int]) -> list[int]:
            return [item * 2 for item in items]

    owner = Owner()
    owner_alive = weakref.ref(owner)
    batcher = MicroBatcher(owner.run, 4, "teller-test-batch")
    assert batcher.submit(21) == 42
    worker = batcher._thread
    assert worker is not None and worker.is_alive()
    del batcher, owner
    gc.collect()
    assert owner_alive() is None
    worker.join(timeout=5)
    assert not worker.is_alive()
