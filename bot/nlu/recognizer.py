"""Intent recognition = a ranking model plus the out-of-scope detector, behind one interface."""

from __future__ import annotations

from pathlib import Path

from bot.errors import ModelNotReady
from bot.nlu.embedding_classifier import KIND as HEAD_KIND
from bot.nlu.embedding_classifier import EmbeddingIntentClassifier
from bot.nlu.encoder import SentenceEncoder
from bot.nlu.finetuned import KIND as FINETUNED_KIND
from bot.nlu.finetuned import FineTunedIntentClassifier
from bot.nlu.model_files import read_manifest
from bot.nlu.scope import ScopeDetector
from bot.nlu.types import IntentClassifier, IntentPrediction


class IntentRecognizer:
    """Implements `IntentClassifier`: ranked intents from `ranker`, scope from `scope`."""

    def __init__(self, ranker: IntentClassifier, scope: ScopeDetector) -> None:
        self.ranker = ranker
        self.scope = scope

    @property
    def labels(self) -> list[str]:
        return self.ranker.labels

    def warm_up(self) -> None:
        self.ranker.warm_up()
        self.scope.warm_up()

    def predict(self, text: str, top_k: int = 5) -> IntentPrediction:
        ranked = self.ranker.predict(text, top_k)
        reading = self.scope.read(text)
        return IntentPrediction(
            ranking=ranked.ranking,
            out_of_scope=reading.out_of_scope,
            nearest_similarity=reading.nearest_similarity,
            extra={"out_of_scope_score": round(reading.score, 4)},
        )


def load_recognizer(
    folder: Path, encoder: SentenceEncoder, device: str = "auto"
) -> IntentRecognizer:
    """Pick the ranking model by the kind written in the folder's manifest."""
    manifest = read_manifest(folder)
    kind = (manifest or {}).get("kind")
    ranker: IntentClassifier
    if kind == FINETUNED_KIND:
        ranker = FineTunedIntentClassifier(folder, device)
    elif kind == HEAD_KIND:
        ranker = EmbeddingIntentClassifier(folder, encoder)
    else:
        raise ModelNotReady(f"no intent model in {folder}; run `teller train`")
    return IntentRecognizer(ranker, ScopeDetector(folder, encoder))
