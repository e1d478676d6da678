"""What the pipeline benchmarks share: BANKING77-style labelled rows, an assistant whose
models are trained (or reused) for the configured data folder, warm, and the fine-tune
variants that the training benchmarks take on their command line."""

from __future__ import annotations

import csv
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.nlu.recognizer import IntentRecognizer
    from bot.pipeline import Assistant

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "banking77" / "test.csv"


def read_labelled(path: Path, limit: int = 0) -> list[tuple[str, str]]:
    """(text, category) rows of a CSV; the first `limit` only when it is not 0. A missing
    file raises SystemExit with what to pass instead."""
    if not path.is_file():
        raise SystemExit(f"error: {path} not found; pass --data PATH/test.csv")
    with open(path, encoding="utf-8") as handle:
        rows = [(r["text"], r["category"]) for r in csv.DictReader(handle)]
    return rows[:limit] if limit else rows


def percentile(values: list[float], q: float) -> float:
    """The value at percentile `q` (0..100) of `values`, nearest rank."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def bench_settings(store: str) -> Settings:
    """Settings from the environment; with `store` "sqlite", sessions in a new SQLite file
    in a temporary folder (with "memory" the assistant is built without a database)."""
    from bot.config import Settings

    settings = Settings()
    if store == "sqlite":
        db = Path(tempfile.mkdtemp(prefix="teller-bench-")) / "bench.db"
        settings = settings.model_copy(update={"database_url": f"sqlite:///{db}"})
    return settings


def ready_assistant(settings: Settings, *, in_memory: bool) -> Assistant:
    """The assistant for `settings`, its models trained first when missing or stale."""
    from bot.kb import load_knowledge_base
    from bot.nlu.encoder import SentenceEncoder
    from bot.pipeline import Assistant
    from training.prepare import prepare_models

    kb = load_knowledge_base(settings.kb_dir, settings.bank_name)
    encoder = SentenceEncoder.from_settings(settings)
    prepare_models(settings, kb, encoder, show_progress=True)
    assistant = Assistant.from_settings(settings, in_memory=in_memory, kb=kb, encoder=encoder)
    assistant.warm_up()
    return assistant


def trained_recognizer(data_dir: Path) -> IntentRecognizer:
    """The intent model already trained in `data_dir` (`teller train --data-dir DIR`), warm,
    with BLAS on the threads a server gives it."""
    from bot.config import Settings
    from bot.device import limit_blas_threads
    from bot.nlu.encoder import SentenceEncoder
    from bot.nlu.recognizer import load_recognizer

    limit_blas_threads()
    settings = Settings(data_dir=data_dir)
    recognizer = load_recognizer(settings.model_dir, SentenceEncoder.from_settings(settings),
                                 settings.device)
    recognizer.warm_up()
    return recognizer


def without_neighbour_vote(recognizer: IntentRecognizer) -> None:
    """Read with the fine-tuned model alone, its neighbour vote (`bot.nlu.neighbours`) off:
    what the vote adds, measured on the same model."""
    from bot.nlu.finetuned import FineTunedIntentClassifier

    recognizer.warm_up()
    if isinstance(recognizer.ranker, FineTunedIntentClassifier):
        recognizer.ranker.neighbours = None


def alternating_latencies(assistant: Assistant, texts: list[str], names: list[str],
                          use: Callable[[str], None], block: int = 25
                          ) -> dict[str, list[float]]:
    """Milliseconds per message through `assistant.handle` (each in its own session) for
    each way of `names`, `use(name)` switching to it. The ways take turns every `block`
    messages, their order flipping each turn, so that a machine whose speed drifts (shared
    cores) weighs on all alike; each way reads 20 warm-up messages first, and the encoders'
    message caches are emptied before each turn (the model is timed, not the cache)."""
    parts = assistant.components
    for name in names:
        use(name)
        for text in texts[:20]:
            assistant.handle(text + " (warm-up)")
    latencies: dict[str, list[float]] = {name: [] for name in names}
    for start in range(0, len(texts), block):
        for name in names if (start // block) % 2 == 0 else names[::-1]:
            use(name)
            parts.encoder.forget_messages()
            parts.classifier.forget_messages()
            for text in texts[start:start + block]:
                began = time.perf_counter()
                assistant.handle(text)
                latencies[name].append((time.perf_counter() - began) * 1000)
    return latencies


def run_passes_side_by_side(assistant: Assistant, together: bool) -> None:
    """Make `assistant` run its two encoder passes side by side only when `together` (a
    benchmark's switch, private on purpose: a running assistant never changes it)."""
    shipped = type(assistant)._side_by_side.__get__(assistant)
    assistant._side_by_side = (  # type: ignore[method-assign]
        lambda first, second, *, parallel: shipped(first, second,
                                                   parallel=parallel and together))


def compare_latencies(description: str,
                      ways_of: Callable[[Assistant, Settings], dict[str, Callable[[], None]]],
                      block: int = 25) -> int:
    """The command line of a benchmark that times ways of answering side by side
    (`--data`, `--limit`, `--store`): `ways_of(assistant, settings)` gives each way's name
    and the switch to it; BANKING77 test messages go through `alternating_latencies` and
    each way's p50/p90/p99 is printed."""
    import argparse
    import os

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--store", choices=["memory", "sqlite"], default="memory")
    args = parser.parse_args()
    rows = read_labelled(args.data, args.limit)
    settings = bench_settings(args.store)
    assistant = ready_assistant(settings, in_memory=args.store == "memory")
    ways = ways_of(assistant, settings)
    latencies = alternating_latencies(assistant, [text for text, _ in rows], list(ways),
                                      lambda name: ways[name](), block)
    print(f"{len(rows)} messages each, store {args.store}, {os.cpu_count()} CPUs")
    print_latencies(latencies)
    return 0


def print_latencies(latencies: dict[str, list[float]]) -> None:
    """One line per way: p50, p90, p99 and mean milliseconds a message."""
    for name, values in latencies.items():
        print(f"{name:36s} p50 {percentile(values, 50):6.2f}  p90 {percentile(values, 90):6.2f}"
              f"  p99 {percentile(values, 99):6.2f}  mean {sum(values) / len(values):6.2f} ms")


def variant_config(spec: str) -> tuple[str, dict[str, object]]:
    """"4 layers=encoder_layers=4,epochs=5" -> ("4 layers", {"encoder_layers": 4, ...}):
    values are read as JSON (numbers, true/false, null); each field must be one of
    `FineTuneConfig`'s."""
    from dataclasses import fields

    from training.finetune import FineTuneConfig

    name, _, assignments = spec.partition("=")
    known = {f.name for f in fields(FineTuneConfig)}
    overrides: dict[str, object] = {}
    for assignment in filter(None, assignments.split(",")):
        field, _, value = assignment.partition("=")
        if field not in known or not value:
            raise SystemExit(f"--variant {spec!r}: {assignment!r} is not FIELD=VALUE with a "
                             f"field of FineTuneConfig ({', '.join(sorted(known))})")
        overrides[field] = json.loads(value)
    if not name or not overrides:
        raise SystemExit(f"--variant {spec!r}: write NAME=FIELD=VALUE[,FIELD=VALUE]")
    return name, overrides
