import json
from pathlib import Path

import pytest

from bot.errors import ModelNotReady, TrainingDataError
from bot.nlu.embedding_classifier import EmbeddingIntentClassifier
from bot.nlu.recognizer import load_recognizer
from training.data import LabelledExample, stratified_split
from training.intent_head import train_embedding_classifier


def test_head_model_folder_explains_itself(tiny_head_settings, tiny_kb) -> None:
    folder = tiny_head_settings.model_dir
    assert sorted(p.name for p in folder.iterdir()) == [
        "head.npz", "labels.json", "manifest.json", "scope", "spelling.json"
    ]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "embedding-softmax-v1"
    assert manifest["kb_intents_hash"] == tiny_kb.intents_hash
    assert manifest["metrics"]["examples"] == 36
    assert manifest["metrics"]["labels"] == 6
    assert manifest["metrics"]["validation_examples"] == 6  # 10% of 6 per intent, rounded
    assert manifest["metrics"]["sources"] == {"kb": 36}
    assert manifest["out_of_scope"]["out_of_scope_examples"] == 12
    assert len(manifest["training_data_hash"]) == 64
    assert {"torch", "sentence-transformers", "scikit-learn"} <= manifest["versions"].keys()
    assert json.loads((folder / "labels.json").read_text()) == sorted(tiny_kb.intents)


def test_head_ranks_intents(tiny_head_settings, encoder) -> None:
    classifier = EmbeddingIntentClassifier(tiny_head_settings.model_dir, encoder)
    prediction = classifier.predict("my new card still has not shown up", top_k=3)
    assert prediction.top is not None and prediction.top.name == "card_arrival"
    assert len(prediction.ranking) == 3
    confidences = [s.confidence for s in prediction.ranking]
    assert confidences == sorted(confidences, reverse=True)
    recognizer = load_recognizer(tiny_head_settings.model_dir, encoder)
    assert isinstance(recognizer.ranker, EmbeddingIntentClassifier)
    assert recognizer.predict("what's the weather like in Paris tomorrow?").out_of_scope is True


def test_missing_model_says_how_to_build(tmp_path: Path, encoder) -> None:
    with pytest.raises(ModelNotReady, match="run `teller train`"):
        EmbeddingIntentClassifier(tmp_path / "none", encoder).warm_up()
    with pytest.raises(ModelNotReady, match="run `teller train`"):
        load_recognizer(tmp_path / "none", encoder)


def test_failed_training_leaves_previous_model_intact(tmp_path: Path, encoder) -> None:
    out = tmp_path / "model"
    good = [LabelledExample(t, "a", "t") for t in ("one", "two", "three")]
    good += [LabelledExample(t, "b", "t") for t in ("red", "green", "blue")]
    train_embedding_classifier(good, encoder, out, kb_intents_hash="h1", show_progress=False)
    before = (out / "manifest.json").read_text()
    thin = [*good, LabelledExample("lonely", "c", "t")]
    with pytest.raises(TrainingDataError, match="fewer than 2 examples: c"):
        train_embedding_classifier(thin, encoder, out, kb_intents_hash="h2", show_progress=False)
    assert (out / "manifest.json").read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no half-written folder


def test_split_is_stratified_and_seeded() -> None:
    labels = ["a"] * 10 + ["b"] * 10 + ["c"] * 3
    train, val = stratified_split(labels, 0.2, min_per_label=5, seed=1)
    assert sorted(train + val) == list(range(23))
    assert [labels[i] for i in val].count("a") == 2
    assert [labels[i] for i in val].count("c") == 0
    assert stratified_split(labels, 0.2, 5, seed=1) == (train, val)
