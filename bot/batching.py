"""Micro-batching: callers on many threads hand single items to one worker thread, which
runs whatever has queued up as one batch.

Under load the models see batches (one encoder pass for many messages is several times
cheaper per message on a CPU); when idle a message runs alone at once, without waiting for
company. Only the worker thread touches the models, so their thread pools stay small.
"""

from __future__ import annotations

import logging
import queue
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

# How often an idle worker checks whether its batcher still exists.
_IDLE_CHECK_SECONDS = 1.0

Item = TypeVar("Item")
Result = TypeVar("Result")


class MicroBatcher(Generic[Item, Result]):
    def __init__(self, run_batch: Callable[[list[Item]], list[Result]], max_batch: int = 32,
                 name: str = "teller-batch") -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._run_batch = run_batch
        self.max_batch = max_batch
        self._name = name
        self._queue: queue.SimpleQueue[tuple[Item, Future[Result]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.batches = 0  # how many batches ran, and how many items they held (metrics)
        self.items = 0

    def submit(self, item: Item) -> Result:
        """Run `item` in the next batch and wait for its result (or its exception)."""
        future: Future[Result] = Future()
        self._ensure_started()
        self._queue.put((item, future))
        return future.result()

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                # The worker holds the batcher weakly: an assistant that is dropped (a test's,
                # one replaced on reload) is freed with its models, and its worker ends.
                self._thread = threading.Thread(target=_work, args=(weakref.ref(self),
                                                                   self._queue),
                                                name=self._name, daemon=True)
                self._thread.start()

    def _run(self, batch: list[tuple[Item, Future[Result]]]) -> None:
        self.batches += 1
        self.items += len(batch)
        try:
            results = self._run_batch([item for item, _ in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"batch of {len(batch)} gave {len(results)} results")
        except Exception as exc:
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
                return
            # One bad item must not fail its neighbours: run them one by one.
            log.warning("a batch of %d failed (%s); running its items one by one",
                        len(batch), type(exc).__name__)
            for pair in batch:
                self._run([pair])
            return
        for (_, future), result in zip(batch, results, strict=True):
            future.set_result(result)


def _work(batcher_ref: weakref.ref[MicroBatcher[Item, Result]],
          items: queue.SimpleQueue[tuple[Item, Future[Result]]]) -> None:
    """The worker: waits for an item, takes whatever else has queued up, runs them as one
    batch. Ends once its batcher is gone."""
    while True:
        try:
            batch = [items.get(timeout=_IDLE_CHECK_SECONDS)]
        except queue.Empty:
            if batcher_ref() is None:
                return
            continue
        batcher = batcher_ref()
        if batcher is None:  # cannot happen while a caller waits in submit (it holds it)
            return
        while len(batch) < batcher.max_batch:
            try:
                batch.append(items.get_nowait())
            except queue.Empty:
                break
        batcher._run(batch)
        del batcher
