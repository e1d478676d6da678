import json

import numpy as np
import pytest

from bot.errors import ModelNotReady
from bot.nlu.recognizer import load_recognizer
from tests.conftest import SHARED_DATA
from training.clinc import clinc_scope_data
from training.scope import (
    ScopeData,
    auroc,
    choose_threshold,
    train_scope_detector,
)


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


def test_a_batch_is_read_as_each_message_alone(tiny_settings, encoder) -> None:
    """The batch is compared with the references in one pass, with the same decisions."""
    recognizer = load_recognizer(tiny_settings.model_dir, encoder)
    # the tiny KB's own topics (a card on its way, a lost card) and two it must decline
    messages = ["my card still hasn't arrived", "is it going to be sunny in Madrid?",
                "I think my bank card was stolen", "recommend a good pizza place"]
    recognizer.warm_up()
    vectors = recognizer.ranker.embed(messages)
    together = recognizer.scope.read_many(vectors)
    alone = [recognizer.scope.read(vector) for vector in vectors]
    assert [r.out_of_scope for r in together] == [r.out_of_scope for r in alone] == [
        False, True, False, True]
    assert np.allclose([r.score for r in together], [r.score for r in alone], atol=1e-6)
    assert np.allclose([r.nearest_similarity for r in together],
                       [r.nearest_similarity for r in alone], atol=1e-6)
    predicted = recognizer.predict_many(messages)
    assert [p.out_of_scope for p in predicted] == [r.out_of_scope for r in alone]


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
        pytest.skip("CLINC150 not available")
    data = clinc_scope_data(path)
    # banking + credit cards, exchange_rate, travel_notification, direct_deposit and 7
    # conversational intents
    assert len(data.in_scope) == 40 * 100
    # oos rows; travel but its 2 banking intents, kitchen, home, auto, utility; 20 others
    # (utility's make_call is neither: "i need to talk to someone on the phone")
    assert len(data.out_of_scope) == 100 + (13 + 4 * 15 - 1) * 100 + 20 * 100
    assert len(data.in_scope_val) == 40 * 20
    assert "what's the weather" not in " ".join(data.in_scope).lower()
    import json

    rows = json.loads(path.read_text(encoding="utf-8"))["train"]
    declined = set(data.out_of_scope + data.out_of_scope_val)
    for intent in ("exchange_rate", "travel_notification", "direct_deposit"):
        texts = {text for text, label in rows if label == intent}
        assert len(texts) == 100 and texts <= set(data.in_scope) and not texts & declined


def test_the_threshold_is_chosen_on_messages_the_intent_model_never_saw() -> None:
    rng = np.random.default_rng(0)
    centre = np.eye(8)[0]

    def embed(texts: list[str]) -> np.ndarray:
        """Training examples sit on their intent; unseen in-scope messages a little off it;
        messages to decline elsewhere (as a fine-tuned space looks)."""
        rows = []
        for text in texts:
            base = np.eye(8)[1] if text.startswith("out") else centre
            spread = 0.6 if text.startswith("new") else 0.05
            row = base + spread * rng.standard_normal(8)
            rows.append(row / np.linalg.norm(row))
        return np.array(rows)

    trained = [f"seen {i}" for i in range(200)]
    unseen = [f"new {i}" for i in range(40)]
    declined = [f"out {i}" for i in range(60)]
    artifacts = train_scope_detector(embed, trained + unseen, declined,
                                     not_trained_on=unseen, max_false_rejection=0.05)
    assert artifacts.metrics["validation_in_scope"] == 40
    assert artifacts.metrics["validation_in_scope_from"] == "the intent model's validation split"
    assert float(artifacts.metrics["validation_false_rejection"]) <= 0.05
    # References keep every example, the validation ones included.
    assert len(artifacts.in_scope) == 240 and len(artifacts.out_of_scope) == 60
    fallback = train_scope_detector(embed, trained + unseen, declined)
    assert fallback.metrics["validation_in_scope_from"] == "a share of its training examples"


def test_a_cosine_model_combines_neighbours_with_the_closest_intent(tmp_path) -> None:
    """Banking messages no intent covers sit near in-scope references but far from every
    intent; messages to decline are far from both. The combiner learns to weigh the two."""
    from bot.nlu.scope import ScopeDetector

    rng = np.random.default_rng(3)
    intents = np.eye(16)[:4]  # four intents

    def unit(rows: np.ndarray) -> np.ndarray:
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def around(centre: np.ndarray, n: int, spread: float) -> np.ndarray:
        return unit(centre + spread * rng.standard_normal((n, 16)))

    banking_elsewhere = np.eye(16)[8]  # in scope, no intent of ours
    vectors = {
        "seen": np.vstack([around(intents[i % 4], 50, 0.1) for i in range(4)]),
        "unseen": np.vstack([around(intents[i % 4], 10, 0.3) for i in range(4)]),
        "other banking": around(banking_elsewhere, 60, 0.2),
        "decline": around(np.eye(16)[12], 150, 0.3),
    }
    lookup = {f"{kind} {i}": row for kind, rows in vectors.items()
              for i, row in enumerate(rows)}

    def embed(texts: list[str]) -> np.ndarray:
        return np.array([lookup[t] for t in texts])

    def names(kind: str, part: slice = slice(None)) -> list[str]:
        return [f"{kind} {i}" for i in range(len(vectors[kind]))][part]

    extra = ScopeData(in_scope=names("other banking", slice(0, 40)),
                      in_scope_val=names("other banking", slice(40, None)),
                      out_of_scope=names("decline", slice(0, 100)),
                      out_of_scope_val=names("decline", slice(100, None)))
    artifacts = train_scope_detector(embed, names("seen") + names("unseen"), [], extra,
                                     not_trained_on=names("unseen"), intent_vectors=intents)
    assert artifacts.combiner is not None
    assert artifacts.combiner.margin > 0 and artifacts.combiner.top_cosine < 0
    assert artifacts.metrics["score"] == "neighbours and top intent cosine"
    artifacts.write(tmp_path)

    detector = ScopeDetector(tmp_path)
    with pytest.raises(ModelNotReady, match="intent vectors"):
        detector.scores(vectors["decline"][:2])  # a combiner needs the intent vectors
    detector.intent_vectors = intents
    fresh = {"ours": around(intents[1], 5, 0.3), "other banking": around(banking_elsewhere, 5, 0.2),
             "decline": around(np.eye(16)[12], 5, 0.3)}
    flagged = {kind: detector.scores(rows) >= detector.threshold for kind, rows in fresh.items()}
    assert not flagged["ours"].any() and not flagged["other banking"].any()
    assert flagged["decline"].all()
    assert detector.read(fresh["decline"][0]).out_of_scope


def test_every_kb_out_of_scope_example_stays_a_reference_when_corpora_are_sampled() -> None:
    """A bank's own list of messages to decline is never sampled away by a large corpus."""
    rng = np.random.default_rng(5)
    texts = ([f"ours {i}" for i in range(60)] + [f"new {i}" for i in range(20)]
             + [f"kb decline {i}" for i in range(20)] + [f"corpus decline {i}" for i in range(300)])
    rows = rng.standard_normal((len(texts), 12))
    lookup = dict(zip(texts, rows / np.linalg.norm(rows, axis=1, keepdims=True), strict=True))

    def embed(batch: list[str]) -> np.ndarray:
        return np.array([lookup[t] for t in batch])

    kb_declined = [t for t in texts if t.startswith("kb decline")]
    extra = ScopeData(out_of_scope=[t for t in texts if t.startswith("corpus decline")][:250],
                      out_of_scope_val=[t for t in texts if t.startswith("corpus decline")][250:])
    artifacts = train_scope_detector(embed, texts[:80], kb_declined, extra,
                                     not_trained_on=texts[60:80], max_references=(1000, 50))
    assert artifacts.out_of_scope.shape == (50, 12)
    kept = {tuple(np.round(row, 6)) for row in artifacts.out_of_scope}
    assert all(tuple(np.round(lookup[t], 6)) in kept for t in kb_declined)
    assert artifacts.metrics["out_of_scope_references"] == 50


def test_seeded_share_keeps_the_first_rows_then_a_seeded_sample() -> None:
    from training.scope import _seeded_share

    kept = _seeded_share(100, 30, np.random.default_rng(1), first=10)
    assert kept.sum() == 30 and kept[:10].all()
    assert (kept == _seeded_share(100, 30, np.random.default_rng(1), first=10)).all()
    assert _seeded_share(100, 5, np.random.default_rng(1), first=10)[:5].all()
    assert _seeded_share(100, 5, np.random.default_rng(1), first=10).sum() == 5
    assert _seeded_share(20, 30, np.random.default_rng(1), first=10).all()
