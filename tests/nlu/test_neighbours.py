"""The neighbour vote: the closest training example of each intent in the frozen encoder's
space, blended with the fine-tuned model's probabilities (`bot.nlu.neighbours`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.errors import DamagedFile
from bot.nlu.embedding_classifier import log_softmax
from bot.nlu.finetuned import FineTunedIntentClassifier
from bot.nlu.neighbours import NEIGHBOURS_FILE, NeighbourVote
from bot.nlu.recognizer import load_recognizer


def unit(*rows: list[float]) -> np.ndarray:
    vectors = np.array(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_each_intent_scores_its_closest_example_and_one_without_examples_scores_minus_one(
) -> None:
    # examples of intents 2, 0, 2 (given out of order); intent 1 has none
    vote = NeighbourVote.build(unit([1, 0], [0, 1], [0.6, 0.8]), np.array([2, 0, 2]), 3,
                               weight=0.5, scale=10)
    closest = vote.closest(unit([1, 0], [0, 1]))
    np.testing.assert_allclose(closest, [[0.0, -1.0, 1.0], [1.0, -1.0, 0.8]], atol=1e-6)
    assert vote.closest(np.zeros((0, 2), dtype=np.float32)).shape == (0, 3)


def test_the_blend_is_a_distribution_that_the_vote_moves_by_its_weight() -> None:
    vote = NeighbourVote.build(unit([1, 0], [0, 1]), np.array([0, 1]), 2, weight=0.5,
                               scale=20)
    unsure = np.array([[0.55, 0.45]])  # the model leans to intent 0 ...
    reading = vote.closest(unit([0.2, 1]))  # ... its closest examples favour intent 1
    blended = vote.blend(unsure, reading)
    assert blended.sum() == pytest.approx(1.0)
    assert blended.argmax() == 1
    np.testing.assert_allclose(replace(vote, weight=0.0).blend(unsure, reading), unsure,
                               rtol=1e-6)
    # a temperature above 1 softens the blend, below 1 sharpens it
    assert replace(vote, temperature=2.0).blend(unsure, reading).max() < blended.max()
    assert replace(vote, temperature=0.5).blend(unsure, reading).max() > blended.max()


def test_a_saved_vote_loads_the_same_and_a_truncated_one_is_named(tmp_path: Path) -> None:
    vote = NeighbourVote(unit([1, 0], [0, 1]), np.array([0, 1]), 0.3, 20.0, 0.9)
    vote.save(tmp_path)
    loaded = NeighbourVote.load(tmp_path)
    np.testing.assert_array_equal(loaded.vectors, vote.vectors)
    np.testing.assert_array_equal(loaded.starts, vote.starts)
    assert (loaded.weight, loaded.scale, loaded.temperature) == pytest.approx((0.3, 20.0, 0.9))
    path = tmp_path / NEIGHBOURS_FILE
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(DamagedFile) as caught:
        NeighbourVote.load(tmp_path)
    assert caught.value.path == str(path)


MESSAGES = ["my new card still has not shown up", "someone nicked my debit card", "hello",
            "card hasnt arrived yet and its been 2 weeks"]


def test_the_recognizer_ranks_with_the_vote_blended_in(tiny_settings, encoder) -> None:
    recognizer = load_recognizer(tiny_settings.model_dir, encoder, "cpu")
    vote = recognizer.neighbours
    assert vote is not None and vote.intents == len(recognizer.labels)
    # The tiny model is sure of everything; a vote of weight 1 shows that ranking follows it.
    assert isinstance(recognizer.ranker, FineTunedIntentClassifier)
    recognizer.ranker.neighbours = replace(vote, weight=1.0, temperature=1.0)
    repaired = [recognizer.correct(text) for text in MESSAGES]
    model_alone = recognizer.ranker.probabilities_from_vectors(recognizer.ranker.embed(repaired))
    votes_alone = np.exp(log_softmax(vote.scale * vote.closest(encoder.encode_many(repaired))))
    assert not np.allclose(votes_alone, model_alone, atol=0.05)
    np.testing.assert_allclose(recognizer.probabilities(MESSAGES), votes_alone, rtol=1e-4,
                               atol=1e-6)
    for prediction, row in zip(recognizer.predict_many(MESSAGES), votes_alone, strict=True):
        assert prediction.top is not None
        assert prediction.top.name == recognizer.labels[int(row.argmax())]
        assert prediction.top.confidence == pytest.approx(float(row.max()), rel=1e-4)


def test_a_model_without_a_vote_ranks_as_its_classifier_does(tmp_path: Path, tiny_settings,
                                                            encoder) -> None:
    """A model trained before the vote (or with `neighbour_weight` 0) has no file and no
    manifest entry: it serves as it always did."""
    import json
    import shutil

    folder = tmp_path / "intent"
    shutil.copytree(tiny_settings.model_dir, folder)
    (folder / NEIGHBOURS_FILE).unlink()
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["neighbours"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    recognizer = load_recognizer(folder, encoder, "cpu")
    assert recognizer.neighbours is None
    alone = FineTunedIntentClassifier(folder, device="cpu")
    np.testing.assert_allclose(recognizer.probabilities(["hello"]), alone.probabilities(["hello"]),
                               rtol=1e-5)
