"""Single-message latency and accuracy of one fine-tuned intent model folder on PyTorch and
on ONNX Runtime, side by side (same weights, same machine, same messages).

Exports `encoder.onnx` into the folder first when it is missing (training does this for
new models). Reports, on BANKING77's test.csv: accuracy with each runtime, the largest
difference between their embeddings, and the p50/p99 of `IntentRecognizer.predict` (spelling
repair + one encoder pass + intent ranking + out-of-scope decision) per message.

    python benchmarks/intent_runtime.py MODEL_DIR [--shared ../shared/data] [--messages 1000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()

    import numpy as np
    import torch

    from benchmarks.intent_model import percentile
    from bot.config import Settings
    from bot.device import limit_blas_threads
    from bot.nlu.encoder import SentenceEncoder
    from bot.nlu.onnx_encoder import ONNX_FILE, export_onnx
    from bot.nlu.recognizer import IntentRecognizer, load_recognizer

    limit_blas_threads()
    encoder = SentenceEncoder.from_settings(Settings())
    with open(args.shared / "banking77" / "test.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    texts, truth = [r["text"] for r in rows], [r["category"] for r in rows]

    recognizers: dict[str, IntentRecognizer] = {}
    torch_recognizer = load_recognizer(args.model_dir, encoder, "cpu")
    torch_recognizer.warm_up()
    ranker = torch_recognizer.ranker
    if not (args.model_dir / ONNX_FILE).is_file():
        print("exporting encoder.onnx", flush=True)
        export_onnx(ranker._model, ranker._tokenizer, args.model_dir, 64)  # type: ignore[attr-defined]
    ranker._onnx = None  # type: ignore[attr-defined]  # this one stays on PyTorch
    recognizers["torch"] = torch_recognizer
    onnx_recognizer = load_recognizer(args.model_dir, encoder, "cpu")
    onnx_recognizer.warm_up()
    recognizers["onnxruntime"] = onnx_recognizer

    results: dict[str, object] = {"model_dir": str(args.model_dir),
                                  "torch_threads": torch.get_num_threads(),
                                  "cpu_count": os.cpu_count()}
    vectors = {}
    for name, recognizer in recognizers.items():
        assert getattr(recognizer.ranker, "runtime", "").startswith(name[:4]), recognizer
        probs = recognizer.probabilities(texts)
        accuracy = float(np.mean([recognizer.labels[i] == t
                                  for i, t in zip(probs.argmax(1), truth, strict=True)]))
        vectors[name] = recognizer.embed(texts[:500])
        for text in texts[:30]:
            recognizer.predict(text + " ?")
        timings = []
        for text in texts[: args.messages]:
            started = time.perf_counter()
            recognizer.predict(text + " .")  # a string the caches have not seen
            timings.append((time.perf_counter() - started) * 1000)
        results[name] = {"accuracy": round(accuracy, 4),
                         "predict_p50_ms": round(statistics.median(timings), 2),
                         "predict_p99_ms": round(percentile(timings, 99), 2)}
        print(json.dumps({name: results[name]}), flush=True)
    results["max_embedding_difference"] = float(
        np.abs(vectors["torch"] - vectors["onnxruntime"]).max())
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
