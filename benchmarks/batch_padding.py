"""Serving batches padded to their longest message against run in groups of similar length.

Under load the server reads the messages of concurrent requests together (`bot.batching`),
with the parts of each message (`bot.nlu.segments`). One run of the encoder pads every
text to the longest; `OnnxEncoder.embed_texts` runs groups of similar length instead
(`bot.nlu.onnx_encoder.length_groups`). This builds serving-like batches from BANKING77
test messages and their parts, reads each batch with both encoders (the fine-tuned intent
model's and FAQ retrieval's frozen one) every way, switching way batch by batch so that a
machine whose speed drifts weighs on all alike, and prints milliseconds per message and
the largest difference between the ways' embeddings.

    python benchmarks/batch_padding.py --data-dir DIR [--batch 16] [--batches 150]

DIR holds a fine-tuned model with its ONNX graph (`teller train --data-dir DIR`).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench_setup import DEFAULT_DATA, read_labelled

RUN_COSTS = (0, 8, 16, 32, 96)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--batch", type=int, default=16, help="messages per serving batch")
    parser.add_argument("--batches", type=int, default=150)
    args = parser.parse_args()

    import numpy as np
    from transformers import AutoTokenizer

    from bot.config import Settings
    from bot.device import limit_blas_threads
    from bot.nlu.finetuned import ENCODER_DIR
    from bot.nlu.onnx_encoder import ONNX_FILE, OnnxEncoder
    from bot.nlu.segments import message_parts

    limit_blas_threads()
    settings = Settings(data_dir=args.data_dir)
    graphs = {"intent model": (settings.model_dir / ONNX_FILE, settings.model_dir / ENCODER_DIR,
                               64),
              "FAQ retrieval": (settings.sentence_onnx_dir / ONNX_FILE,
                                Path(settings.encoder_name), 256)}
    missing = [str(graph) for graph, _, _ in graphs.values() if not graph.is_file()]
    if missing:
        raise SystemExit(f"no ONNX graph at {', '.join(missing)}; run `teller train "
                         f"--data-dir {args.data_dir}` first")
    encoders = {name: (OnnxEncoder(graph, 1), AutoTokenizer.from_pretrained(tokenizer), length)
                for name, (graph, tokenizer, length) in graphs.items()}

    texts = [text for text, _ in read_labelled(args.data)]
    rng = random.Random(7)
    batches = []
    for _ in range(args.batches):
        chosen = rng.sample(texts, args.batch)
        batches.append(chosen + [part for text in chosen for part in message_parts(text)])

    ways = ["padded to the longest", "one at a time",
            *(f"groups, run cost {cost}" for cost in RUN_COSTS)]
    seconds: dict[str, dict[str, float]] = {name: dict.fromkeys(ways, 0.0) for name in encoders}
    worst = 0.0
    for number, batch in enumerate(batches):
        for name, (encoder, tokenizer, max_length) in encoders.items():
            order = ways[number % len(ways):] + ways[:number % len(ways)]
            results = {}
            for way in order:
                started = time.perf_counter()
                if way == ways[0]:
                    arrays = tokenizer(batch, padding=True, truncation=True,
                                       max_length=max_length, return_tensors="np")
                    results[way] = encoder(arrays["input_ids"], arrays["attention_mask"])
                elif way == ways[1]:
                    results[way] = np.concatenate([
                        encoder.embed_texts(tokenizer, [text], max_length) for text in batch])
                else:
                    cost = int(way.rsplit(" ", 1)[1])
                    results[way] = encoder.embed_texts(tokenizer, batch, max_length, cost)
                seconds[name][way] += time.perf_counter() - started
            reference = results[ways[0]]
            worst = max(worst, *(float(np.abs(r - reference).max()) for r in results.values()))

    messages = sum(len(batch) for batch in batches)
    print(f"{args.batches} batches of {args.batch} BANKING77 test messages and their parts "
          f"({messages} texts, {statistics.mean(len(b) for b in batches):.1f} a batch), "
          "one ONNX Runtime thread each")
    print(f"{'way':<26}" + "".join(f"{name + ' ms/text':>24}" for name in encoders))
    for way in ways:
        print(f"{way:<26}" + "".join(f"{1000 * seconds[name][way] / messages:>24.3f}"
                                     for name in encoders))
    print(f"largest embedding difference from the padded run: {worst:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
