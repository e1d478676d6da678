"""Intent classifier v2: all-MiniLM-L6-v2 fine-tuned (lowest layers frozen), cosine softmax head.

The model embeds a message (mean pooling, unit length) and scores it against one unit
vector per intent; logits = scale * cosine. Confidences are calibrated with a temperature
fitted on validation data. The folder layout:

    encoder/            the fine-tuned transformer and tokenizer (save_pretrained)
    encoder.onnx        the same encoder with pooling, for ONNX Runtime on CPU (optional)
    head.safetensors    the intent vectors
    neighbours.npz      the neighbour vote's references (`bot.nlu.neighbours`; optional)
    labels.json         intent names, in head order
    manifest.json       kind, scale, temperature, training data hash, metrics, versions
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from bot.device import resolve_device
from bot.errors import DamagedFile, ModelNotReady
from bot.files import MODEL_FIX, load_manifest, reading
from bot.nlu.embedding_classifier import read_labels, softmax
from bot.nlu.neighbours import NeighbourVote
from bot.nlu.onnx_encoder import OnnxEncoder, load_onnx_encoder
from bot.nlu.spelling import tokenizer_words
from bot.nlu.types import IntentPrediction, rank
from bot.nlu.vector_cache import VectorCache

# v2: the out-of-scope detector works in this model's embedding space (v1 used the base
# encoder's), so a v1 folder is retrained rather than read with the wrong vectors.
KIND = "finetuned-cosine-v2"
ENCODER_DIR = "encoder"
HEAD_FILE = "head.safetensors"


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


class CosineIntentModel(nn.Module):
    """A transformer encoder plus one learnable unit vector per intent."""

    def __init__(self, encoder: nn.Module, n_labels: int, scale: float) -> None:
        super().__init__()
        self.encoder = encoder
        config: Any = getattr(encoder, "config")  # noqa: B009 - a transformers PretrainedConfig
        hidden = int(config.hidden_size)
        self.intent_vectors = nn.Parameter(torch.randn(n_labels, hidden) * 0.02)
        self.scale = scale

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return nn.functional.normalize(mean_pool(hidden, attention_mask), dim=-1)

    def logits(self, embeddings: torch.Tensor) -> torch.Tensor:
        return self.scale * embeddings @ nn.functional.normalize(self.intent_vectors, dim=-1).T

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.logits(self.embed(input_ids, attention_mask))


def check_files(folder: Path, manifest: dict[str, Any]) -> NeighbourVote | None:
    """Raise `DamagedFile` for a file of the model in `folder` that cannot be what training
    wrote, without loading the network: the labels, the head, the neighbour vote its
    `manifest` lists (returned), the encoder's configuration and the headers and sizes of
    its weights (a truncated safetensors file fails here)."""
    from safetensors import safe_open

    read_labels(folder)
    neighbours = NeighbourVote.load(folder) if manifest.get("neighbours") else None
    encoder = folder / ENCODER_DIR
    with reading(encoder / "config.json"):
        json.loads((encoder / "config.json").read_text(encoding="utf-8"))
    for weights in (folder / HEAD_FILE, *sorted(encoder.glob("*.safetensors"))):
        with reading(weights), safe_open(str(weights), "np") as opened:
            if not list(opened.keys()):
                raise DamagedFile(weights, "no tensors", MODEL_FIX)
    return neighbours


class FineTunedIntentClassifier:
    """Loads a fine-tuned model folder once; `predict` ranks intents for one message."""

    def __init__(self, folder: Path, device: str = "auto", max_length: int = 64,
                 onnx_threads: int | None = None, cache_size: int = 1024) -> None:
        """`onnx_threads`: ONNX Runtime's intra-op threads (torch's number by default);
        `cache_size`: messages whose embedding is kept (a repeated "yes" is not read again)."""
        self.folder = Path(folder)
        self._onnx_threads = onnx_threads
        self._requested_device = device
        self.max_length = max_length
        self._model: CosineIntentModel | None = None
        self._tokenizer: Any = None
        self._labels: list[str] = []
        self._temperature = 1.0
        self._device = "cpu"
        self._lock = threading.Lock()
        self._onnx: OnnxEncoder | None = None
        self._intent_matrix: np.ndarray | None = None  # unit-length intent vectors
        self._scale = 1.0
        self._messages = VectorCache(cache_size)
        self.manifest: dict[str, Any] = {}
        # the second reading of each message, in the frozen encoder's space (None: the model
        # has none); `IntentRecognizer` blends it in
        self.neighbours: NeighbourVote | None = None

    @property
    def labels(self) -> list[str]:
        self.warm_up()
        return self._labels

    @property
    def intent_matrix(self) -> np.ndarray:
        """The intents' unit vectors (rows follow `labels`)."""
        self.warm_up()
        assert self._intent_matrix is not None
        return self._intent_matrix

    @property
    def runtime(self) -> str:
        """What computes the embeddings: "onnxruntime" or "torch:<device>"."""
        self.warm_up()
        return "onnxruntime" if self._onnx is not None else f"torch:{self._device}"

    def warm_up(self) -> None:
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            from safetensors.torch import load_file
            from transformers import AutoModel, AutoTokenizer

            manifest = load_manifest(self.folder)
            if manifest is None or manifest.get("kind") != KIND:
                raise ModelNotReady(
                    f"{self.folder} is not a '{KIND}' intent model; run `teller train`"
                )
            neighbours = check_files(self.folder, manifest)
            labels = read_labels(self.folder)
            with reading(self.folder / HEAD_FILE):
                head = load_file(str(self.folder / HEAD_FILE))
            try:
                tokenizer = AutoTokenizer.from_pretrained(self.folder / ENCODER_DIR)
                encoder = AutoModel.from_pretrained(self.folder / ENCODER_DIR)
            except (OSError, ValueError, KeyError) as exc:
                raise ModelNotReady(
                    f"intent model in {self.folder} is incomplete ({exc}); run `teller train`"
                ) from exc
            model = CosineIntentModel(encoder, len(labels), float(manifest["scale"]))
            model.intent_vectors.data = head["intent_vectors"]
            self._device = resolve_device(self._requested_device)  # type: ignore[arg-type]
            model.to(self._device).eval()
            if self._device == "cpu":
                self._onnx = load_onnx_encoder(self.folder,
                                               self._onnx_threads or torch.get_num_threads())
            vectors = nn.functional.normalize(model.intent_vectors.detach().float(), dim=-1)
            self._intent_matrix = np.ascontiguousarray(vectors.cpu().numpy())
            self._scale = float(manifest["scale"])
            self._tokenizer = tokenizer
            self._labels = labels
            self._temperature = float(manifest.get("temperature", 1.0))
            self.manifest = manifest
            self.neighbours = neighbours
            self._model = model

    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Unit-length message embeddings in the fine-tuned space (the out-of-scope detector
        of a fine-tuned model works in this space too: one encoder pass per message).
        Messages embedded lately come from the cache."""
        self.warm_up()
        assert self._model is not None
        if not texts:
            return np.zeros((0, self._model.intent_vectors.shape[1]), dtype=np.float32)
        return self._messages.read_through(texts, lambda new: self._embed(new, batch_size))

    def forget_messages(self) -> None:
        """Empty the per-message cache (benchmarks time the model, not the cache)."""
        self._messages.clear()

    @torch.inference_mode()
    def _embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        assert self._model is not None
        rows = []
        for start in range(0, len(texts), batch_size):
            chunk = texts[start:start + batch_size]
            if self._onnx is not None:
                rows.append(self._onnx.embed_texts(self._tokenizer, chunk, self.max_length))
                continue
            batch = self._tokenizer(
                chunk, padding=True, truncation=True,
                max_length=self.max_length, return_tensors="pt",
            ).to(self._device)
            rows.append(self._model.embed(batch["input_ids"], batch["attention_mask"])
                        .float().cpu().numpy())
        return np.ascontiguousarray(np.concatenate(rows), dtype=np.float32)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def probabilities_from_vectors(self, vectors: np.ndarray) -> np.ndarray:
        """Calibrated probabilities from embeddings, in numpy (a 384 x intents product:
        cheaper than a trip through torch, whose thread pool would wake up for it)."""
        self.warm_up()
        assert self._intent_matrix is not None
        logits = self._scale * (np.atleast_2d(vectors) @ self._intent_matrix.T)
        return softmax(logits / self._temperature)

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Calibrated intent probabilities, one row per text (columns follow `labels`)."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        return self.probabilities_from_vectors(self.embed(texts))

    def vocabulary(self) -> set[str]:
        """Whole words of the tokenizer's vocabulary (the spelling corrector leaves them be)."""
        self.warm_up()
        return tokenizer_words(self._tokenizer.get_vocab())

    def predict(self, text: str, top_k: int = 5) -> IntentPrediction:
        return rank(self.probabilities_from_vectors(self.embed_one(text))[0], self.labels, top_k)
