"""The sentence encoder (all-MiniLM-L6-v2 via sentence-transformers), loaded once, lazily."""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from bot.device import resolve_device
from bot.errors import ConfigurationError
from bot.nlu.vector_cache import VectorCache

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from bot.config import Settings
    from bot.nlu.onnx_encoder import OnnxEncoder


class SentenceEncoder:
    """Normalised sentence embeddings (float32, unit length, so inner product = cosine).

    The classifier and the retriever both encode the same message; a small LRU cache makes
    the second call free, so the two stay independent components without paying twice.
    """

    def __init__(
        self, name_or_path: str, device: Literal["auto", "cpu", "cuda"] = "auto",
        cache_size: int = 1024, identity: str | None = None,
    ) -> None:
        self.name_or_path = name_or_path
        # What manifests record and compare: stable across installs of the same weights.
        self.identity = identity or name_or_path
        self._requested_device = device
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self._messages = VectorCache(cache_size)
        self._remembered_lock = threading.Lock()
        self._remembered: dict[str, np.ndarray] = {}  # see encode_remembered
        self._onnx: OnnxEncoder | None = None
        self._onnx_source: tuple[str, int] | None = None  # (folder, manifest mtime)
        # Set from the model folder's manifest (`training.multilingual_encoder`): a text
        # prefix the model was trained with ("query: " for e5), and loading arguments.
        self.prefix = ""
        self.similarity_floor = 0.0  # see `calibrate`

    @classmethod
    def from_settings(cls, settings: Settings, device: str | None = None) -> SentenceEncoder:
        return cls(settings.encoder_name, device or settings.device,  # type: ignore[arg-type]
                   identity=settings.encoder_identity)

    def warm_up(self) -> None:
        """Load the model (idempotent, thread-safe)."""
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            from sentence_transformers import SentenceTransformer

            from bot.files import read_manifest

            device = resolve_device(self._requested_device)
            is_local = Path(self.name_or_path).is_dir()
            manifest = (read_manifest(Path(self.name_or_path)) if is_local else None) or {}
            try:
                model = SentenceTransformer(self.name_or_path, device=device,
                                            model_kwargs=manifest.get("model_kwargs"))
            except (OSError, ValueError) as exc:
                hint = (
                    "the folder exists but is not a sentence-transformers model"
                    if is_local
                    else "it is not a local folder and could not be fetched from the hub "
                    "(no internet, or HF_HUB_OFFLINE=1); leave TELLER_ENCODER empty to use the "
                    "bundled all-MiniLM-L6-v2"
                )
                raise ConfigurationError(
                    f"cannot load sentence encoder '{self.name_or_path}': {hint} ({exc})"
                ) from exc
            model.eval()
            self.prefix = str(manifest.get("prefix", ""))
            self.similarity_floor = float(manifest.get("similarity_floor", 0.0))
            self._model = model

    @property
    def model(self) -> SentenceTransformer:
        self.warm_up()
        assert self._model is not None
        return self._model

    def calibrate(self, similarities: np.ndarray) -> np.ndarray:
        """Cosine similarities on one scale for every encoder, so that one set of policy
        thresholds (`bot.dialogue.policy.PolicyConfig`) holds for all: (cos - floor) /
        (1 - floor), with the floor the encoder's folder gives (0 for all-MiniLM-L6-v2,
        whose scale the thresholds were chosen on). e5 models give any two sentences a
        cosine of 0.8 or more; see `training.multilingual_encoder.SIMILARITY_FLOOR`."""
        self.warm_up()
        if not self.similarity_floor:
            return similarities
        return (similarities - self.similarity_floor) / (1.0 - self.similarity_floor)

    @property
    def dimension(self) -> int:
        model = self.model  # sentence-transformers 5 renamed the method; 3 and 4 have the old
        named = getattr(model, "get_embedding_dimension", None)
        dim = named() if named is not None else model.get_sentence_embedding_dimension()
        assert dim is not None
        return int(dim)

    @property
    def device(self) -> str:
        return str(self.model.device)

    def encode(
        self, texts: list[str], batch_size: int = 64, show_progress_bar: bool = False
    ) -> np.ndarray:
        """Encode many texts at once (training, index building)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        if self.prefix:
            texts = [self.prefix + text for text in texts]
        vectors = model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=show_progress_bar,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_remembered(self, texts: list[str], show_progress_bar: bool = False) -> np.ndarray:
        """Like `encode`, remembering each text's vector for the life of this encoder. For
        training rows that come back on every retraining of an embedding-head model (the
        KB's examples, the out-of-scope corpus's 16,000 messages: about a minute on 2 CPU
        cores); the encoder's weights never change, so neither do their vectors. Not for
        customer messages: nothing here is ever forgotten."""
        with self._remembered_lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._remembered]
        if missing:
            vectors = self.encode(missing, show_progress_bar=show_progress_bar)
            with self._remembered_lock:
                self._remembered.update(zip(missing, vectors, strict=True))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._remembered_lock:
            return np.stack([self._remembered[t] for t in texts])

    def use_onnx(self, folder: Path, threads: int) -> bool:
        """Encode single messages with the ONNX graph in `folder` (see `export_sentence_onnx`)
        when it was exported from this encoder. Returns whether it is in use."""
        from bot.files import MANIFEST, read_manifest
        from bot.nlu.onnx_encoder import load_onnx_encoder

        manifest = read_manifest(Path(folder)) or {}
        if manifest.get("encoder") != self.identity or self.device != "cpu":
            return False
        # Several assistants in one process (replicas, reloads, tests) share one encoder:
        # the same graph is loaded once.
        source = (str(Path(folder).resolve()), (Path(folder) / MANIFEST).stat().st_mtime_ns)
        with self._lock:
            if self._onnx is not None and self._onnx_source == source:
                return True
            self._onnx = load_onnx_encoder(Path(folder), threads)
            self._onnx_source = source if self._onnx is not None else None
        return self._onnx is not None

    def _pooling_is_mean(self) -> bool:
        """True for a Transformer -> mean Pooling [-> Normalize] model (all-MiniLM-L6-v2),
        the shape the ONNX export reproduces."""
        modules = list(self.model)
        kinds = [type(m).__name__ for m in modules]
        if kinds[:2] != ["Transformer", "Pooling"] or any(k not in ("Normalize",)
                                                          for k in kinds[2:]):
            return False
        return getattr(modules[1], "pooling_mode", "mean") == "mean" or bool(
            getattr(modules[1], "pooling_mode_mean_tokens", False))

    def _encode_single(self, text: str) -> np.ndarray:
        """One message straight through the model's modules: `SentenceTransformer.encode`
        spends more time on batching machinery than a single short text needs (~11 ms vs
        ~7 ms here), and this is the per-message hot path."""
        import torch

        model = self.model
        text = self.prefix + text
        if self._onnx is not None:
            arrays = model.tokenizer([text], truncation=True, return_tensors="np",
                                     max_length=model.max_seq_length)
            return self._onnx(arrays["input_ids"], arrays["attention_mask"])[0]
        with torch.inference_mode():
            features = model.preprocess([text])
            features = {k: v.to(model.device) if isinstance(v, torch.Tensor) else v
                        for k, v in features.items()}
            vector = model(features)["sentence_embedding"]
            vector = torch.nn.functional.normalize(vector, dim=-1)
        return np.ascontiguousarray(vector[0].float().cpu().numpy(), dtype=np.float32)

    def encode_many(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Encode the messages of one serving batch: cached ones are reused, the rest go
        through the model together (ONNX Runtime on CPU when exported, else PyTorch)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._messages.read_through(texts, partial(self._encode_batch,
                                                          batch_size=batch_size))

    def _encode_batch(self, texts: list[str], batch_size: int) -> list[np.ndarray]:
        if len(texts) == 1:
            return [self._encode_single(texts[0])]  # the single-message hot path
        model = self.model
        vectors: list[np.ndarray] = []
        for start in range(0, len(texts), batch_size):
            chunk = texts[start:start + batch_size]
            if self._onnx is not None:
                vectors.extend(self._onnx.embed_texts(
                    model.tokenizer, [self.prefix + t for t in chunk], model.max_seq_length))
            else:
                vectors.extend(self.encode(chunk, batch_size=batch_size))
        return vectors

    def forget_messages(self) -> None:
        """Empty the per-message cache (benchmarks time the encoder, not the cache)."""
        self._messages.clear()

    def encode_one(self, text: str) -> np.ndarray:
        """Encode one message, with an LRU cache shared by the classifier and the retriever."""
        cached = self._messages.get(text)
        if cached is not None:
            return cached
        return self._messages.put([(text, self._encode_single(text))])[0]

