import numpy as np
import pytest

from bot.nlu.finetuned import FineTunedIntentClassifier
from bot.nlu.vector_cache import VectorCache


def test_the_least_recently_used_message_goes_first_and_vectors_are_read_only() -> None:
    cache = VectorCache(size=2)
    given = np.ones(3, dtype=np.float64)
    kept = cache.put([("yes", given), ("no", np.zeros(3))])
    assert kept[0].dtype == np.float32 and not kept[0].flags.writeable
    given[0] = 5.0  # the caller's array stays its own
    yes = cache.get("yes")
    assert yes is not None and yes[0] == 1.0
    cache.put([("hi", np.full(3, 2.0))])  # "yes" was used last: "no" goes
    assert set(cache.found(["yes", "no", "hi"])) == {"yes", "hi"} and len(cache) == 2
    hi = cache.get("hi")
    assert hi is not None
    with pytest.raises(ValueError):
        hi[0] = 0.0
    cache.clear()
    assert cache.get("hi") is None and len(cache) == 0


def test_a_cache_of_size_zero_keeps_nothing() -> None:
    cache = VectorCache(size=0)
    assert len(cache.put([("yes", np.ones(2))])) == 1
    assert cache.get("yes") is None


def test_a_fine_tuned_model_reads_a_repeated_message_once(tiny_settings, monkeypatch) -> None:
    classifier = FineTunedIntentClassifier(tiny_settings.model_dir, device="cpu")
    first = classifier.embed(["yes", "my card never came", "yes"])
    np.testing.assert_array_equal(first[0], first[2])
    reads: list[list[str]] = []
    real = classifier._embed

    def counted(texts: list[str], batch_size: int) -> np.ndarray:
        reads.append(texts)
        return real(texts, batch_size)

    monkeypatch.setattr(classifier, "_embed", counted)
    again = classifier.embed(["my card never came", "hello there", "yes"])
    assert reads == [["hello there"]]  # only the new message went through the model
    np.testing.assert_array_equal(again[0], first[1])
    np.testing.assert_allclose(again[1], real(["hello there"], 64)[0], atol=1e-6)
    classifier.forget_messages()
    classifier.embed(["yes"])
    assert reads[-1] == ["yes"]
    assert classifier.embed([]).shape == (0, first.shape[1])


def test_read_through_computes_only_the_distinct_messages_it_has_not_kept() -> None:
    cache = VectorCache(4)
    cache.put([("yes", np.ones(2))])
    asked: list[list[str]] = []

    def compute(texts: list[str]) -> list[np.ndarray]:
        asked.append(texts)
        return [np.full(2, float(len(t))) for t in texts]

    rows = cache.read_through(["yes", "hello", "hi", "hello"], compute)
    assert asked == [["hello", "hi"]]  # "yes" kept, "hello" once
    assert rows.shape == (4, 2) and rows[:, 0].tolist() == [1.0, 5.0, 2.0, 5.0]
    cache.read_through(["hi", "yes"], compute)
    assert asked == [["hello", "hi"]]  # all kept now: nothing computed
