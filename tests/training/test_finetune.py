import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from bot.nlu.finetuned import FineTunedIntentClassifier
from training import finetune
from training.data import LabelledExample
from training.finetune import FineTuneConfig, finetune_intent_model


def test_finetuned_folder_explains_itself(tiny_settings, tiny_kb) -> None:
    folder = tiny_settings.model_dir
    assert sorted(p.name for p in folder.iterdir()) == [
        "encoder", "encoder.onnx", "head.safetensors", "labels.json", "manifest.json",
        "neighbours.npz", "scope", "spelling.json",
    ]
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {
        p.name for p in (folder / "encoder").iterdir()
    }
    assert sorted(p.name for p in (folder / "scope").iterdir()) == [
        "in_scope.npy", "out_of_scope.npy", "scope.json"
    ]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "finetuned-cosine-v2"
    assert manifest["onnx"] is True
    assert manifest["kb_intents_hash"] == tiny_kb.intents_hash
    assert manifest["scale"] == 20.0
    assert manifest["temperature"] > 0
    assert manifest["metrics"]["examples"] == 36
    assert manifest["metrics"]["validation_examples"] == 6
    assert manifest["metrics"]["epochs"] == 12  # auto: small data gets more passes
    assert manifest["config"]["seed"] == 13
    assert manifest["out_of_scope"]["validation"] == "held-out examples"
    # the neighbour vote keeps the 30 training examples (the validation split is left out)
    assert manifest["neighbours"]["references"] == 30
    assert manifest["neighbours"]["weight"] == pytest.approx(0.3)
    assert manifest["neighbours"]["temperature"] > 0
    assert manifest["metrics"]["validation_accuracy_with_neighbours"] is not None
    assert 0.05 <= manifest["out_of_scope"]["threshold"] <= 0.95
    assert not list(folder.parent.glob(".*"))  # no checkpoint or temporary folder left


def test_finetuned_classifier_ranks_calibrated_intents(tiny_settings) -> None:
    classifier = FineTunedIntentClassifier(tiny_settings.model_dir, device="cpu")
    prediction = classifier.predict("my new card still has not shown up", top_k=3)
    assert prediction.top is not None and prediction.top.name == "card_arrival"
    probs = classifier.probabilities(["hello", "someone nicked my debit card"])
    assert probs.shape == (2, 6)
    assert abs(float(probs.sum(axis=1)[0]) - 1.0) < 1e-5
    assert classifier.labels[int(probs[1].argmax())] == "lost_or_stolen_card"


def _toy() -> list[LabelledExample]:
    return [LabelledExample(t, "card", "toy") for t in
            ("card not here", "where is my card", "card never came", "no card yet")] + [
            LabelledExample(t, "hello", "toy") for t in
            ("hi", "hello there", "good morning", "hey")]


def _train_toy(folder: Path, encoder, **overrides: Any) -> FineTunedIntentClassifier:
    """The toy intents fine-tuned quickly with `overrides` of the configuration."""
    config = FineTuneConfig(epochs=6, batch_size=4, validation_fraction=0.0,
                            learning_rate=3e-4, **overrides)
    finetune_intent_model(_toy(), folder, base_encoder=encoder.name_or_path,
                          kb_intents_hash="h", config=config, show_progress=False)
    return FineTunedIntentClassifier(folder, device="cpu")


def test_interrupted_training_resumes_from_its_checkpoint(
    tmp_path: Path, encoder, monkeypatch, caplog
) -> None:
    out = tmp_path / "model"
    config = FineTuneConfig(epochs=3, batch_size=4, validation_fraction=0.0)
    original_save = finetune._Checkpoint.save
    saves: list[int] = []

    def save_then_die(self, state):
        original_save(self, state)
        saves.append(state["epoch"])
        if state["epoch"] == 0:
            raise KeyboardInterrupt  # killed right after the first epoch's checkpoint

    monkeypatch.setattr(finetune._Checkpoint, "save", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        finetune_intent_model(_toy(), out, base_encoder=encoder.name_or_path,
                              kb_intents_hash="h", config=config, show_progress=False)
    assert not out.exists()  # no half-written model folder
    assert (tmp_path / ".model.checkpoint" / "state.pt").is_file()

    caplog.set_level(logging.INFO, logger="training.finetune")
    report = finetune_intent_model(_toy(), out, base_encoder=encoder.name_or_path,
                                   kb_intents_hash="h", config=config, show_progress=False)
    assert "resuming fine-tuning after epoch 1" in caplog.text
    assert saves == [0, 1, 2]  # epochs 2 and 3 ran once each after the resume
    assert report.epochs == 3
    assert (out / "manifest.json").is_file()
    assert not (tmp_path / ".model.checkpoint").exists()


def test_onnx_runtime_gives_the_pytorch_embeddings(tiny_settings) -> None:
    texts = ["hi", "my new card still has not shown up", "where can I find my IBAN number?",
             "ok", "I moved house last month and my new card went to the old address, so I "
             "need to know how I can get it sent again", "top up"]
    fast = FineTunedIntentClassifier(tiny_settings.model_dir, device="cpu")
    assert fast.runtime == "onnxruntime"
    reference = FineTunedIntentClassifier(tiny_settings.model_dir, device="cpu")
    reference.warm_up()
    reference._onnx = None  # the same folder, on PyTorch
    assert reference.runtime == "torch:cpu"
    assert np.abs(fast.embed(texts) - reference.embed(texts)).max() < 1e-4
    assert np.abs(fast.embed_one(texts[1]) - reference.embed(texts)[1]).max() < 1e-4


def test_outlier_loss_is_lowest_when_a_message_to_decline_favours_no_intent() -> None:
    import torch
    from torch import nn

    labelled = nn.CrossEntropyLoss(reduction="none")
    uniform = torch.zeros(1, 4)
    confident = torch.tensor([[8.0, 0.0, 0.0, 0.0]])
    target = torch.tensor([finetune.OUTLIER])
    flat = finetune._batch_loss(uniform, target, labelled, outlier_weight=1.0)
    assert abs(float(flat) - float(np.log(4))) < 1e-5  # cross-entropy to uniform = log(4)
    assert float(finetune._batch_loss(confident, target, labelled, 1.0)) > float(flat) + 1
    # A labelled row keeps its ordinary loss; the weight scales only the outliers.
    mixed = torch.cat([confident, confident])
    both = finetune._batch_loss(mixed, torch.tensor([0, finetune.OUTLIER]), labelled, 0.5)
    expected = (float(labelled(confident, torch.tensor([0]))[0])
                + 0.5 * float(finetune._batch_loss(confident, target, labelled, 1.0))) / 2
    assert abs(float(both) - expected) < 1e-5


def test_outlier_sample_is_a_seeded_share_of_the_labelled_rows() -> None:
    pool = [f"message {i}" for i in range(100)] + ["message 1", "  "]
    config = FineTuneConfig(outlier_share=0.2)
    sample = finetune._outlier_sample(pool, 50, config)
    assert len(sample) == 10 and len(set(sample)) == 10 and set(sample) <= set(pool)
    assert sample == finetune._outlier_sample(pool, 50, config)
    assert len(finetune._outlier_sample(pool, 5_000, config)) == 100  # all there are
    assert finetune._outlier_sample(pool, 50, FineTuneConfig(outlier_share=0.0)) == []


DECLINE = ["will it rain in Rome tomorrow", "recipe for banana bread", "play some jazz",
           "how tall is the eiffel tower", "set an alarm for seven", "tell me a joke",
           "book a table for two tonight", "what's the capital of Peru"]
NEVER_SEEN = ["is it sunny in Oslo", "how do I bake sourdough", "put on some music",
              "how high is mount everest"]


def test_outliers_teach_the_model_to_favour_no_intent_for_what_it_must_decline(
    tmp_path: Path, encoder
) -> None:
    config = FineTuneConfig(epochs=8, batch_size=4, validation_fraction=0.0,
                            learning_rate=3e-4, outlier_share=1.0, outlier_weight=1.0)
    top = {}
    for name, outliers in (("plain", None), ("exposed", DECLINE)):
        folder = tmp_path / name
        finetune_intent_model(_toy(), folder, base_encoder=encoder.name_or_path,
                              kb_intents_hash="h", config=config, show_progress=False,
                              outliers=outliers)
        classifier = FineTunedIntentClassifier(folder, device="cpu")
        for texts, kind in ((DECLINE, "taught"), (NEVER_SEEN, "unseen")):
            top[name, kind] = float(classifier.probabilities(texts).max(axis=1).mean())
        best = classifier.predict("where is my card", top_k=1).top
        assert best is not None and best.name == "card"
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["outliers"] == (len(DECLINE) if outliers else 0)
    # Two intents: 0.5 is "neither". The messages taught as outliers lean less on either
    # intent than without outlier exposure, and so do messages like them it never saw
    # (seeded; on 2026-12-03: 0.68 against 0.72, and 0.74 against 0.79).
    assert top["exposed", "taught"] < top["plain", "taught"] - 0.02
    assert top["exposed", "unseen"] < top["plain", "unseen"] - 0.02


def test_a_model_of_the_lowest_layers_saves_loads_and_runs_on_onnx(
    tmp_path: Path, encoder
) -> None:
    folder = tmp_path / "two-layers"
    classifier = _train_toy(folder, encoder, encoder_layers=2)
    saved = json.loads((folder / "encoder" / "config.json").read_text())
    assert saved["num_hidden_layers"] == 2
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["config"]["encoder_layers"] == 2
    # the vote's references must be the frozen sentence encoder's, which a cut one is not
    assert "neighbours" not in manifest and not (folder / "neighbours.npz").exists()
    assert classifier.runtime == "onnxruntime"
    best = classifier.predict("my card never came", top_k=1).top
    assert best is not None and best.name == "card"
    reference = FineTunedIntentClassifier(folder, device="cpu")
    reference.warm_up()
    reference._onnx = None  # the same two-layer weights on PyTorch
    texts = ["hi", "card not here yet"]
    assert np.abs(classifier.embed(texts) - reference.embed(texts)).max() < 1e-4


@pytest.mark.parametrize("layers", [0, 7])
def test_no_layers_or_more_than_the_encoder_has_is_refused(encoder, layers: int) -> None:
    from transformers import AutoModel

    with pytest.raises(ValueError, match="between 1 and 6"):
        finetune._lowest_layers(AutoModel.from_pretrained(encoder.name_or_path), layers)


def test_the_fine_tune_can_run_without_the_encoders_dropout(
    tmp_path: Path, encoder, tiny_settings
) -> None:
    folder = tmp_path / "no-dropout"
    classifier = _train_toy(folder, encoder, dropout=0.0)
    saved = json.loads((folder / "encoder" / "config.json").read_text())
    assert saved["hidden_dropout_prob"] == saved["attention_probs_dropout_prob"] == 0.0
    default = json.loads((tiny_settings.model_dir / "encoder" / "config.json").read_text())
    assert default["hidden_dropout_prob"] == 0.1  # the base encoder's own
    best = classifier.predict("my card never came", top_k=1).top
    assert best is not None and best.name == "card"


@pytest.mark.parametrize(("steps_per_epoch", "epochs"), [(268, 4), (150, 7), (20, 12)])
def test_the_schedule_gives_about_a_thousand_updates_in_4_to_12_passes(
    steps_per_epoch: int, epochs: int
) -> None:
    # 268 batches a pass: the default KB with BANKING77 and its messages to decline
    assert finetune.schedule_epochs(FineTuneConfig(), steps_per_epoch) == epochs
    assert finetune.schedule_epochs(FineTuneConfig(epochs=2), steps_per_epoch) == 2


def test_frozen_layers_keep_their_pre_trained_weights(tmp_path: Path, encoder) -> None:
    from transformers import AutoModel

    folder = tmp_path / "four-frozen"
    classifier = _train_toy(folder, encoder, frozen_layers=4)
    base = AutoModel.from_pretrained(encoder.name_or_path).state_dict()
    trained = AutoModel.from_pretrained(folder / "encoder").state_dict()
    assert set(base) == set(trained)
    moved = {name for name in base if not torch.equal(base[name], trained[name])}
    assert moved, "the layers above the frozen ones train"
    assert all(name.startswith(("encoder.layer.4.", "encoder.layer.5.", "pooler."))
               for name in moved), sorted(moved)[:5]
    best = classifier.predict("my card never came", top_k=1).top
    assert best is not None and best.name == "card"
    with pytest.raises(ValueError, match="frozen_layers must be between 0 and 6"):
        finetune._freeze_lowest(AutoModel.from_pretrained(encoder.name_or_path), 7)


def test_the_neighbour_vote_is_kept_unless_its_weight_is_zero(tmp_path: Path, encoder) -> None:
    """Without a validation split the vote keeps temperature 1; weight 0 writes none."""
    voting = _train_toy(tmp_path / "voting", encoder)
    voting.warm_up()
    assert voting.neighbours is not None
    assert len(voting.neighbours.vectors) == len(_toy())
    assert voting.neighbours.temperature == 1.0
    # the references are the frozen encoder's vectors of the examples, grouped by intent
    # (labels in order: card, hello): "good morning" is one of hello's examples
    message = encoder.encode_many(["good morning"])
    cards = encoder.encode_many([e.text for e in _toy() if e.label == "card"])
    closest = voting.neighbours.closest(message)[0]
    assert closest[1] == pytest.approx(1.0, abs=1e-4)
    assert closest[0] == pytest.approx(float((cards @ message[0]).max()), abs=1e-4)
    silent = _train_toy(tmp_path / "silent", encoder, neighbour_weight=0.0)
    silent.warm_up()
    assert silent.neighbours is None
    assert not (tmp_path / "silent" / "neighbours.npz").exists()
