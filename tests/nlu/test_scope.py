import json

import numpy as np

from bot.nlu.recognizer import load_recognizer
from tests.conftest import SHARED_DATA
from training.scope import auroc, choose_threshold, clinc_scope_data


def test_scope_detector_separates_banking_from_chit_chat(tiny_settings, encoder) -> None:
    recognizer = load_recognizer(tiny_settings.model_dir, encoder)
    weather = recognizer.predict("is it going to be sunny in Madrid on Sunday?")
    card = recognizer.predict("my card still hasn't arrived")
    assert weather.out_of_scope is True and card.out_of_scope is False
    threshold = recognizer.scope.threshold
    assert weather.extra["out_of_scope_score"] > threshold > card.extra["out_of_scope_score"]
    assert card.nearest_similarity > weather.nearest_similarity
    # One embedding per message, in the fine-tuned model's space, feeds both decisions.
    vector = recognizer.ranker.embed_one("my card still hasn't arrived")
    assert recognizer.scope.read(vector).score == card.extra["out_of_scope_score"] or abs(
        recognizer.scope.read(vector).score - card.extra["out_of_scope_score"]) < 1e-4


def test_threshold_override(tiny_settings, encoder) -> None:
    detector = load_recognizer(tiny_settings.model_dir, encoder).scope
    detector.threshold_override = 0.999
    detector.warm_up()
    assert detector.threshold == 0.999
    saved = json.loads((tiny_settings.model_dir / "scope" / "scope.json").read_text())
    assert saved["threshold"] != 0.999


def test_choose_threshold_caps_false_rejections() -> None:
    in_scores = np.linspace(0.0, 0.5, 101)  # in-scope: 0.000 .. 0.500
    out_scores = np.array([0.45, 0.7, 0.9])
    threshold = choose_threshold(in_scores, out_scores, max_false_rejection=0.01)
    assert (in_scores >= threshold).mean() <= 0.01
    assert threshold < 0.5
    assert auroc(np.array([0.1, 0.2]), np.array([0.8, 0.9])) == 1.0


def test_clinc_rows_are_sorted_into_in_and_out_of_scope() -> None:
    path = SHARED_DATA / "clinc150" / "data_full.json"
    if not path.exists():
        import pytest

        pytest.skip("CLINC150 not available")
    data = clinc_scope_data(path)
    # banking + credit cards, exchange_rate, travel_notification, direct_deposit and 7
    # conversational intents
    assert len(data.in_scope) == 40 * 100
    # oos rows; travel but its 2 banking intents, kitchen, home, auto, utility; 20 others
    assert len(data.out_of_scope) == 100 + (13 + 4 * 15) * 100 + 20 * 100
    assert len(data.in_scope_val) == 40 * 20
    assert "what's the weather" not in " ".join(data.in_scope).lower()
    import json

    rows = json.loads(path.read_text(encoding="utf-8"))["train"]
    declined = set(data.out_of_scope + data.out_of_scope_val)
    for intent in ("exchange_rate", "travel_notification", "direct_deposit"):
        texts = {text for text, label in rows if label == intent}
        assert len(texts) == 100 and texts <= set(data.in_scope) and not texts & declined
