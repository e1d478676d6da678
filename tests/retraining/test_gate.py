"""The evaluation gate: a damaged candidate is refused and the server keeps its model;
versions can be promoted by hand and rolled back."""

from __future__ import annotations

import hashlib

from bot.files import MANIFEST
from bot.nlu.finetuned import KIND as FINETUNED_KIND
from bot.pipeline import Assistant
from training.registry import ModelRegistry
from training.retrain import (
    GateDecision,
    ModelScore,
    RetrainConfig,
    RetrainReport,
    Skipped,
    gate,
    retrain,
)


def _score(accuracy: float, per_intent: dict[str, tuple[int, float]]) -> ModelScore:
    return ModelScore(accuracy, accuracy, {i: {"n": n, "accuracy": a}
                                           for i, (n, a) in per_intent.items()}, {})


def test_gate_checks_overall_and_per_intent_with_tolerances() -> None:
    config = RetrainConfig(tolerance=0.01, intent_tolerance=0.1, min_intent_examples=10)
    current = _score(0.90, {"a": (20, 0.9), "b": (5, 1.0)})
    assert gate(_score(0.895, {"a": (20, 0.85), "b": (5, 0.0)}), current, config) == \
        GateDecision(True, ["not worse than the serving model"])  # b has too few rows
    assert gate(_score(0.88, {"a": (20, 0.7)}), current, config) == GateDecision(False, [
        "overall accuracy 0.8800 < serving 0.9000 - tolerance 0.01",
        "intent a: accuracy 0.7000 < serving 0.9000 - tolerance 0.1"])
    assert gate(_score(0.5, {}), None, config).promote


def test_an_intent_drop_must_be_significant_when_rows_can_be_compared() -> None:
    from training.retrain import sign_test_p

    config = RetrainConfig(tolerance=0.01, intent_tolerance=0.1, min_intent_examples=10)
    serving = ModelScore(0.9, 0.9, {"a": {"n": 15, "accuracy": 0.9333}}, {},
                         {"a": "111111111111110"})
    # Two rows flipped to wrong (13 points, beyond the tolerance): chance does this often.
    noisy = ModelScore(0.9, 0.9, {"a": {"n": 15, "accuracy": 0.8}}, {},
                       {"a": "111111111111000"})
    assert sign_test_p(2, 0) == 0.25
    assert gate(noisy, serving, config).promote
    # Eight rows lost and none gained: a real regression.
    broken = ModelScore(0.9, 0.9, {"a": {"n": 15, "accuracy": 0.4}}, {},
                        {"a": "111111000000000"})
    decision = gate(broken, serving, config)
    assert not decision.promote
    assert "lost 8 rows, gained 0, p=0.004" in decision.reasons[0]


def _fingerprint(settings) -> str:
    return hashlib.sha256((settings.model_dir / MANIFEST).read_bytes()).hexdigest()


def test_damaged_candidate_is_refused_and_the_server_keeps_answering(deployment,
                                                                     encoder) -> None:
    settings, kb = deployment
    assistant = Assistant.from_settings(settings, in_memory=True, kb=kb, encoder=encoder)
    assistant.warm_up()
    before = assistant.handle("my card never arrived")
    serving = _fingerprint(settings)

    report = retrain(settings, kb, encoder,
                     RetrainConfig.from_settings(settings, shuffle_labels=True))
    assert isinstance(report, RetrainReport)
    assert not report.promoted and not report.decision.promote
    assert report.decision.reasons[0].startswith("overall accuracy")
    assert report.candidate.accuracy < report.current.accuracy  # type: ignore[union-attr]
    assert _fingerprint(settings) == serving
    assert not assistant.reload_model_if_changed()
    after = assistant.handle("my card never arrived")
    assert (after.intent, after.text) == (before.intent, before.text)
    assert before.intent is not None and before.intent.name == "card_arrival"

    registry = ModelRegistry(settings)
    statuses = {v.name: v.status for v in registry.versions()}
    assert statuses[report.version] == "refused"
    imported = [n for n, s in statuses.items() if s == "imported"]
    assert len(imported) == 1 and registry.current() == imported[0]
    # The same damaged run again: nothing changed, nothing retrained.
    again = retrain(settings, kb, encoder,
                    RetrainConfig.from_settings(settings, shuffle_labels=True))
    assert again == Skipped(report.version)


def test_promote_by_hand_then_roll_back(deployment, encoder) -> None:
    settings, kb = deployment
    assistant = Assistant.from_settings(settings, in_memory=True, kb=kb, encoder=encoder)
    assistant.warm_up()
    good = retrain(settings, kb, encoder, RetrainConfig.from_settings(settings, promote=False))
    assert isinstance(good, RetrainReport) and good.decision.promote and not good.promoted
    registry = ModelRegistry(settings)
    original = registry.current()
    assert original is not None and original.endswith("-imported")

    registry.promote(good.version)
    assert registry.current() == good.version
    assert assistant.reload_model_if_changed()
    assert registry.rollback() == original
    assert registry.current() == original
    assert assistant.reload_model_if_changed()
    assert assistant.handle("I lost my card").intent.name == "lost_or_stolen_card"  # type: ignore[union-attr]
    assert registry.promotions() == [original]


def test_finetuned_model_goes_through_the_same_cycle(tmp_path, tiny_kb_dir, encoder) -> None:
    """The default (fine-tuned transformer) model: a short fine-tune, evaluated and promoted."""
    from bot.kb import load_knowledge_base
    from training.finetune import FineTuneConfig
    from training.prepare import prepare_models

    from .conftest import settings_for

    settings = settings_for(tmp_path, tiny_kb_dir, intent_model="finetuned")
    kb = load_knowledge_base(tiny_kb_dir)
    short = FineTuneConfig(epochs=2, min_steps=10)
    prepare_models(settings, kb, encoder, show_progress=False, finetune_config=short)
    report = retrain(settings, kb, encoder, RetrainConfig.from_settings(settings, finetune=short))
    assert isinstance(report, RetrainReport)
    assert (report.kind, report.promoted) == (FINETUNED_KIND, True)
    assert ModelRegistry(settings).current() == report.version
