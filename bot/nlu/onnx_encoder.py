"""The fine-tuned encoder (mean pooling + unit length included) as an ONNX graph run by
ONNX Runtime on CPU.

Why: for one short message PyTorch's eager mode spends most of its time dispatching small
operators; ONNX Runtime runs the same fp32 graph about 3x faster on 2 CPU cores (measured
on this project's machine: 20 ms -> 6 ms per message, outputs equal to 2e-7). Training
exports the graph into the model folder and checks it against PyTorch; a folder without
it, a GPU, or a missing onnxruntime simply uses PyTorch.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

log = logging.getLogger(__name__)

ONNX_FILE = "encoder.onnx"
MAX_DIFFERENCE = 1e-4  # largest allowed gap between the ONNX and PyTorch embeddings
CHECK_TEXTS = ["hi", "my card still hasn't arrived, what should I do?",
               "how long does a transfer to another bank take when I send it on a Friday"]


class _Embedder(nn.Module):
    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model.embed(input_ids, attention_mask)


class OnnxEncoder:
    """Unit-length embeddings from an exported graph, for (input_ids, attention_mask)."""

    def __init__(self, path: Path, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # No busy-waiting between runs: on a small machine spinning threads steal the cores
        # the rest of the message (numpy, the FAQ encoder) needs next.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options,
                                            providers=["CPUExecutionProvider"])

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        outputs = self.session.run(None, {"input_ids": input_ids.astype(np.int64),
                                          "attention_mask": attention_mask.astype(np.int64)})
        return np.ascontiguousarray(outputs[0], dtype=np.float32)

    def embed_texts(self, tokenizer: Any, texts: list[str], max_length: int | None,
                    run_cost: int | None = None) -> np.ndarray:
        """Embed a serving batch in runs of messages of similar length (`length_groups`):
        one run padded to the batch's longest message spends most of its work on padding
        when a "hi" shares it with a three-sentence story. `max_length` None: the
        tokenizer's own limit."""
        ids = tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
        lengths = [len(row) for row in ids]
        pad_id = tokenizer.pad_token_id or 0
        out: np.ndarray | None = None
        for group in length_groups(lengths, RUN_COST_TOKENS if run_cost is None else run_cost):
            # padded on the right, as the tokenizer pads (its `pad` warns on every tokenizer)
            width = max(lengths[i] for i in group)
            input_ids = np.full((len(group), width), pad_id, dtype=np.int64)
            attention_mask = np.zeros((len(group), width), dtype=np.int64)
            for row, i in enumerate(group):
                input_ids[row, :lengths[i]] = ids[i]
                attention_mask[row, :lengths[i]] = 1
            vectors = self(input_ids, attention_mask)
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[group] = vectors
        assert out is not None, "embed_texts needs at least one text"
        return out


# What one more run of the graph costs, in padded tokens: a group takes the next longer
# message while the padding that adds costs no more. Small, because on a CPU a run costs
# little and padding a lot: batches of 16 BANKING77 test messages took 26.6 ms a message
# padded to the longest, 14.0 one at a time, 13.1 in groups at a cost of 8, 17.1 at 96
# (`benchmarks/batch_padding.py`, one thread, 2026-12-05).
RUN_COST_TOKENS = 8


def length_groups(lengths: list[int], run_cost: int = RUN_COST_TOKENS) -> list[list[int]]:
    """Indices of `lengths` in groups of similar length, shortest first: walking the
    messages by length, a group grows while padding its members to the next one's length
    costs no more tokens than `run_cost`, the price of one more run of the graph."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    groups: list[list[int]] = []
    for i in order:
        if groups:
            group = groups[-1]
            longest = lengths[group[-1]]
            added_padding = len(group) * (lengths[i] - longest)
            if added_padding <= run_cost:
                group.append(i)
                continue
        groups.append([i])
    return groups


def load_onnx_encoder(folder: Path, threads: int) -> OnnxEncoder | None:
    path = Path(folder) / ONNX_FILE
    if not path.is_file():
        return None
    try:
        return OnnxEncoder(path, threads)
    except ImportError:
        log.info("onnxruntime is not installed; the intent model runs on PyTorch")
    except Exception as exc:  # a damaged graph: PyTorch still works
        log.warning("cannot load %s (%s); the intent model runs on PyTorch", path, exc)
    return None


def export_onnx(model: Any, tokenizer: Any, folder: Path, max_length: int) -> bool:
    """Export `model.embed` (a CPU `CosineIntentModel`) to `folder/encoder.onnx` and check
    it against PyTorch on a padded batch. Returns False (and leaves no file) when the
    export is not possible or not faithful."""
    path = Path(folder) / ONNX_FILE
    embedder = _Embedder(model).eval()
    sample = tokenizer(CHECK_TEXTS, padding=True, truncation=True, max_length=max_length,
                       return_tensors="pt")
    try:
        # The tracer warns about Python conditions on shapes and about advanced indexing;
        # the exported graph is checked against PyTorch below (padded batch and single
        # text), so they stay in the log at debug level, off the console.
        with torch.inference_mode(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.onnx.export(
                embedder, (sample["input_ids"], sample["attention_mask"]), str(path),
                input_names=["input_ids", "attention_mask"], output_names=["embedding"],
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                              "attention_mask": {0: "batch", 1: "tokens"},
                              "embedding": {0: "batch"}},
                opset_version=17, dynamo=False,
            )
        for warning in caught:
            log.debug("ONNX export (checked against PyTorch below): %s: %s",
                      warning.category.__name__, warning.message)
        with torch.inference_mode():
            expected = embedder(sample["input_ids"], sample["attention_mask"]).numpy()
        single = tokenizer(CHECK_TEXTS[:1], return_tensors="pt")
        with torch.inference_mode():
            expected_single = embedder(single["input_ids"], single["attention_mask"]).numpy()
        encoder = OnnxEncoder(path, threads=1)
        gap = max(
            float(np.abs(encoder(sample["input_ids"].numpy(),
                                 sample["attention_mask"].numpy()) - expected).max()),
            float(np.abs(encoder(single["input_ids"].numpy(),
                                 single["attention_mask"].numpy()) - expected_single).max()),
        )
    except Exception as exc:  # no onnx / onnxruntime, or an operator it cannot export
        log.warning("ONNX export skipped (%s); the model will run on PyTorch", exc)
        path.unlink(missing_ok=True)
        return False
    if gap > MAX_DIFFERENCE:
        log.warning("ONNX export differs from PyTorch by %.2g; not used", gap)
        path.unlink(missing_ok=True)
        return False
    return True


class _MeanPooledEncoder(nn.Module):
    """A sentence-transformers Transformer + mean Pooling + Normalize model as one module."""

    def __init__(self, transformer: nn.Module) -> None:
        super().__init__()
        self.transformer = transformer

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.transformer(input_ids=input_ids,
                                  attention_mask=attention_mask).last_hidden_state
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return nn.functional.normalize(pooled, dim=-1)


def export_sentence_onnx(encoder: Any, folder: Path) -> bool:
    """Export the frozen sentence encoder behind FAQ retrieval (a `SentenceEncoder` on CPU)
    to `folder/encoder.onnx`, checked against sentence-transformers' own output. Only for
    mean-pooling models; returns whether a faithful graph was written."""
    from bot.files import MANIFEST, write_json

    if encoder.device != "cpu" or not encoder._pooling_is_mean():
        return False
    model = encoder.model
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    wrapped = _MeanPooledEncoder(model[0].auto_model).eval()
    if not export_onnx(wrapped, model.tokenizer, folder, int(model.max_seq_length)):
        return False
    exported = OnnxEncoder(folder / ONNX_FILE, threads=1)
    arrays = model.tokenizer([encoder.prefix + text for text in CHECK_TEXTS], padding=True,
                             truncation=True, return_tensors="np",
                             max_length=model.max_seq_length)
    gap = float(np.abs(exported(arrays["input_ids"], arrays["attention_mask"])
                       - encoder.encode(CHECK_TEXTS)).max())
    if gap > MAX_DIFFERENCE:
        log.warning("sentence encoder ONNX export differs by %.2g; not used", gap)
        (folder / ONNX_FILE).unlink(missing_ok=True)
        return False
    write_json(folder / MANIFEST, {"encoder": encoder.identity, "onnx": ONNX_FILE,
                                   "max_difference": gap})
    return True
