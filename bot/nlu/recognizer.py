"""Intent recognition = spelling repair, one embedding, the intent ranking and the
out-of-scope decision, behind one interface."""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.errors import DamagedFile, ModelNotReady
from bot.files import LABELS, MANIFEST, MODEL_FIX, load_manifest, read_manifest
from bot.nlu.embedding_classifier import (
    HEAD_FILE,
    EmbeddingIntentClassifier,
    read_head,
    read_labels,
)
from bot.nlu.embedding_classifier import KIND as HEAD_KIND
from bot.nlu.encoder import SentenceEncoder
from bot.nlu.finetuned import KIND as FINETUNED_KIND
from bot.nlu.finetuned import FineTunedIntentClassifier, check_files
from bot.nlu.neighbours import NeighbourVote
from bot.nlu.scope import SCOPE_DIR, ScopeDetector, ScopeReading
from bot.nlu.spelling import SpellingCorrector
from bot.nlu.types import EmbeddingIntentRanker, IntentPrediction, rank


@dataclass(frozen=True)
class ModelReading:
    """What the intent model's own pass over a batch of messages gives: calibrated intent
    probabilities (rows follow the messages) and the out-of-scope readings."""

    probabilities: np.ndarray
    scope: list[ScopeReading]


class IntentRecognizer:
    """Implements `IntentClassifier`. Each message is embedded once; the ranking and the
    out-of-scope detector both read that vector. A fine-tuned model with a neighbour vote
    (`bot.nlu.neighbours`) also reads the frozen sentence encoder's vector of the message,
    the one FAQ retrieval computes (`frozen_encoder`, whose cache holds it)."""

    def __init__(self, ranker: EmbeddingIntentRanker, scope: ScopeDetector,
                 folder: Path | None = None,
                 frozen_encoder: SentenceEncoder | None = None) -> None:
        self.ranker = ranker
        self.scope = scope
        self.folder = folder
        self.frozen_encoder = frozen_encoder
        # the model files' identity (`model_files_identity`), None when unknown
        self.identity: Hashable | None = None
        self.spelling: SpellingCorrector | None = None
        self._spelling_loaded = folder is None
        self.loaded = False

    @property
    def labels(self) -> list[str]:
        return self.ranker.labels

    @property
    def encodes_separately(self) -> bool:
        """Whether the model has an encoder of its own (a fine-tuned one), so that its pass
        over a message and FAQ retrieval's can run side by side; an embedding-head model
        reads the FAQ encoder's vector, computed once for both."""
        return isinstance(self.ranker, FineTunedIntentClassifier)

    @property
    def kind(self) -> str:
        """The model kind, as its manifest names it (`finetuned-cosine-v2`, ...)."""
        return FINETUNED_KIND if isinstance(self.ranker, FineTunedIntentClassifier) else HEAD_KIND

    def warm_up(self) -> None:
        self.ranker.warm_up()
        self.scope.warm_up()
        if isinstance(self.ranker, FineTunedIntentClassifier):
            self.scope.intent_vectors = self.ranker.intent_matrix
        if not self._spelling_loaded and self.folder is not None:
            self.spelling = SpellingCorrector.load(self.folder, self.ranker.vocabulary())
            self._spelling_loaded = True
        self.loaded = True

    def correct(self, text: str) -> str:
        """The message with typos repaired (unchanged when the model has no corrector)."""
        self.warm_up()
        return self.spelling.correct(text) if self.spelling is not None else text

    @property
    def neighbours(self) -> NeighbourVote | None:
        """The model's neighbour vote, when it has one and the frozen encoder is at hand."""
        if self.frozen_encoder is None or not isinstance(self.ranker, FineTunedIntentClassifier):
            return None
        self.warm_up()
        return self.ranker.neighbours

    def predict(self, text: str, top_k: int = 5) -> IntentPrediction:
        return self.predict_many([text], top_k)[0]

    def predict_many(self, texts: list[str], top_k: int = 5, *,
                     corrected: bool = False) -> list[IntentPrediction]:
        """`predict` for a batch of messages: one encoder pass for all of them. `corrected`:
        the texts already went through `correct` (the pipeline repairs each message once,
        for the intent model and FAQ retrieval alike)."""
        repaired = texts if corrected else [self.correct(t) for t in texts]
        return self.predictions(self.read_many(repaired), self.closest_examples(repaired),
                                top_k)

    def read_many(self, repaired: list[str]) -> ModelReading:
        """The intent model's own pass over messages whose typos are repaired: what runs
        beside FAQ retrieval's pass (`bot.pipeline`)."""
        if not repaired:
            return ModelReading(np.zeros((0, len(self.labels))), [])
        vectors = self.ranker.embed(repaired)
        # the batch against the out-of-scope references at once
        return ModelReading(self.ranker.probabilities_from_vectors(vectors),
                            self.scope.read_many(vectors))

    def closest_examples(self, repaired: list[str]) -> np.ndarray | None:
        """The neighbour vote's reading of the messages (None without a vote): what the
        pipeline computes on the retrieval thread, right after FAQ retrieval's pass has put
        the frozen encoder's vectors of the same messages in its cache."""
        vote = self.neighbours
        if vote is None:
            return None
        assert self.frozen_encoder is not None
        return vote.closest(self.frozen_encoder.encode_many(repaired))

    def predictions(self, reading: ModelReading, closest: np.ndarray | None,
                    top_k: int = 5) -> list[IntentPrediction]:
        """The ranked intents of `read_many`'s reading, with `closest_examples`'s blended in
        (None: the model's own)."""
        probabilities = self._blended(reading.probabilities, closest)
        return [self._prediction(p, scope, top_k)
                for p, scope in zip(probabilities, reading.scope, strict=True)]

    def _blended(self, probabilities: np.ndarray, closest: np.ndarray | None) -> np.ndarray:
        vote = self.neighbours
        if vote is None or closest is None or not len(probabilities):
            return probabilities
        return vote.blend(probabilities, closest)

    def _prediction(self, probabilities: np.ndarray, reading: ScopeReading,
                    top_k: int) -> IntentPrediction:
        ranked = rank(probabilities, self.labels, top_k)
        nearest = reading.nearest_similarity
        if isinstance(self.ranker, EmbeddingIntentClassifier):  # FAQ retrieval's scale
            nearest = float(self.ranker.encoder.calibrate(np.array([nearest]))[0])
        return IntentPrediction(
            ranking=ranked.ranking,
            out_of_scope=reading.out_of_scope,
            nearest_similarity=nearest,
            similarity_shared_with_faq=isinstance(self.ranker, EmbeddingIntentClassifier),
            extra={"out_of_scope_score": round(reading.score, 4)},
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.ranker.embed([self.correct(t) for t in texts])

    def forget_messages(self) -> None:
        """Empty the model's per-message cache (benchmarks time the model, not the cache)."""
        self.ranker.forget_messages()

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Calibrated intent probabilities for many messages (evaluation, benchmarks), as
        `predict` ranks them."""
        return self.read(texts)[0]

    def read(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(intent probabilities, out-of-scope scores) of many messages from one pass of
        each encoder (evaluation, benchmarks)."""
        if not texts:
            return np.zeros((0, len(self.labels))), np.zeros(0)
        repaired = [self.correct(t) for t in texts]
        vectors = self.ranker.embed(repaired)
        return (self._blended(self.ranker.probabilities_from_vectors(vectors),
                              self.closest_examples(repaired)),
                self.scope.scores(vectors))

    def scope_scores(self, texts: list[str]) -> np.ndarray:
        """Out-of-scope scores for many messages."""
        return self.scope.scores(self.embed(texts)) if texts else np.zeros(0)


def load_recognizer(
    folder: Path, encoder: SentenceEncoder, device: str = "auto",
    onnx_threads: int | None = None,
) -> IntentRecognizer:
    """Pick the ranking model by the kind written in the folder's manifest. `onnx_threads`:
    a fine-tuned model's ONNX Runtime threads (torch's number by default)."""
    identity = model_files_identity(folder)
    manifest = load_manifest(folder)
    kind = (manifest or {}).get("kind")
    ranker: EmbeddingIntentRanker
    if kind == FINETUNED_KIND:
        ranker = FineTunedIntentClassifier(folder, device, onnx_threads=onnx_threads)
    elif kind == HEAD_KIND:
        ranker = EmbeddingIntentClassifier(folder, encoder)
    else:
        raise ModelNotReady(f"no intent model in {folder}; run `teller train`")
    recognizer = IntentRecognizer(ranker, ScopeDetector(folder), folder, frozen_encoder=encoder)
    if identity is not None and identity == model_files_identity(folder):
        recognizer.identity = identity  # no new model was renamed into place meanwhile
    return recognizer


def model_files_identity(folder: Path) -> tuple[str, int, int] | None:
    """The model folder, its manifest's inode and modification time: a trained model is
    renamed into place whole, so the same identity means the same files."""
    try:
        stat = (folder / MANIFEST).stat()
    except OSError:
        return None
    return (str(folder.resolve()), stat.st_ino, stat.st_mtime_ns)


def model_serves(folder: Path, intents: Iterable[str], encoder_identity: str) -> bool:
    """Whether the intent model in `folder`, current or not, can answer for a KB with these
    `intents` (an intent model of a known kind, over the same encoder, every label an
    intent of the KB), e.g. while a newer one trains."""
    manifest = read_manifest(folder)
    if not manifest or manifest.get("kind") not in (HEAD_KIND, FINETUNED_KIND):
        return False
    if manifest.get("encoder") != encoder_identity:
        return False
    try:
        labels = json.loads((folder / LABELS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(labels, list) and set(labels) <= set(intents)


def model_damage(folder: Path) -> DamagedFile | None:
    """The first file of the intent model in `folder` that is not as training wrote it, as
    the error to raise; None for a folder that reads whole, is absent or empty (no model
    yet), or holds a model of an older kind (stale, not damaged: it is retrained). Reads
    the small files whole and the encoder's weights by header and size, loading no network
    (well under a second)."""
    try:
        manifest = load_manifest(folder)
        if manifest is None:
            leftovers = folder.is_dir() and any(not p.name.startswith(".")
                                                for p in folder.iterdir())
            return DamagedFile(folder / MANIFEST, "missing", MODEL_FIX) if leftovers else None
        kind = manifest.get("kind")
        if kind == HEAD_KIND:
            read_labels(folder)
            read_head(folder / HEAD_FILE)
        elif kind == FINETUNED_KIND:
            check_files(folder, manifest)
        else:
            return None
        ScopeDetector(folder).warm_up()  # reads the references, combiner and threshold
        SpellingCorrector.load(folder)
    except DamagedFile as damage:
        return damage
    except ModelNotReady:  # the out-of-scope detector's folder is gone
        return DamagedFile(folder / SCOPE_DIR, "missing", MODEL_FIX)
    return None
