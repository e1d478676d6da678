"""Understanding across writing styles: every model on every evaluation set, in one table.

Rows (models), each a data folder trained on the embedded default knowledge base:

- `default start`: what `teller serve` fine-tunes on a fresh clone: the KB's examples and
  the BANKING77 training split it ships with, the CLINC150 train and val rows it ships with
  as messages to decline (outlier exposure, detector references and threshold choice).
  This is also what was earlier called the full model (`teller train --data banking77
  --oos-data clinc150`): both corpora are in the default start now, so that row would be
  the same model;
- `frozen head`: the frozen-encoder model the server answers with while the first fine-tune
  runs (seconds to train).

Columns (sources), never used for training or for choosing a threshold:

- BANKING77 test.csv: 3,080 real customer messages;
- benchmarks/style_set/heldout.csv: our own messages in styles unlike the KB and BANKING77
  (terse, casual, typos, context first, non-native, formal) with messages to decline;
- CLINC150 data_full.json: oos_test against its banking and credit-card test rows.

    python benchmarks/understanding.py --train --out /tmp/understanding   # trains (~25 min)
    python benchmarks/understanding.py --model "default start=/tmp/understanding/default" \\
        --model "frozen head=/tmp/understanding/head"                     # reads trained ones
    python benchmarks/understanding.py --variant "4 epochs=epochs=4" \\
        --variant "4 layers=encoder_layers=4" --out /tmp/variants         # other schedules
    python benchmarks/understanding.py --model "default=DIR" --without-neighbours  # the vote

`--without-neighbours` adds, for each fine-tuned model, a row of the same model read
without its neighbour vote (`bot.nlu.neighbours`).

A `--variant NAME=FIELD=VALUE[,FIELD=VALUE]` trains the default start with those fields of
`training.finetune.FineTuneConfig` changed into OUT/NAME (one after the other: time them
with nothing else running) and prints each one's training time before the table.

Prints the Markdown table and writes it, with the raw figures, to OUT/understanding.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def train_models(out: Path) -> list[tuple[str, Path]]:
    """Train the two rows' models into OUT/default and OUT/head."""
    from bot.config import Settings
    from bot.kb import load_knowledge_base
    from bot.nlu.encoder import SentenceEncoder
    from knowledge_base import DEFAULT_KB_DIR
    from training.prepare import prepare_models

    kb = load_knowledge_base(DEFAULT_KB_DIR)
    default, head = out / "default", out / "head"
    encoder = SentenceEncoder.from_settings(Settings(data_dir=default))
    for folder, model in ((head, "embedding-head"), (default, "finetuned")):
        started = time.perf_counter()
        prepare_models(Settings(data_dir=folder, intent_model=model), kb, encoder,
                       show_progress=True)
        print(f"{model}: trained in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return [("default start", default), ("frozen head", head)]


def train_variant(out: Path, name: str, overrides: dict[str, object]) -> Path:
    """The default start trained with `overrides` of the fine-tune's configuration into
    OUT/NAME; prints how long it took."""
    from bot.config import Settings
    from bot.kb import load_knowledge_base
    from bot.nlu.encoder import SentenceEncoder
    from knowledge_base import DEFAULT_KB_DIR
    from training.finetune import FineTuneConfig
    from training.prepare import prepare_models

    folder = out / name.replace(" ", "-")
    settings = Settings(data_dir=folder, intent_model="finetuned")
    encoder = SentenceEncoder.from_settings(settings)
    started = time.perf_counter()
    result = prepare_models(settings, load_knowledge_base(DEFAULT_KB_DIR), encoder, force=True,
                            show_progress=False,
                            finetune_config=FineTuneConfig(**overrides))  # type: ignore[arg-type]
    report = result.trained
    fine_tune = f"fine-tune {report.seconds:.0f} s, " if report is not None else ""
    print(f"{name}: {fine_tune}all training {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", default=[], metavar="NAME=DATA_DIR",
                        help="a trained data folder to report; repeatable")
    parser.add_argument("--train", action="store_true",
                        help="train the default start and the frozen head")
    parser.add_argument("--variant", action="append", default=[],
                        metavar="NAME=FIELD=VALUE[,FIELD=VALUE]",
                        help="train the default start with these FineTuneConfig fields into "
                             "OUT/NAME and report it; repeatable")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results"
                        / "understanding")
    parser.add_argument("--source", action="append", type=Path, default=[],
                        help="evaluation sets instead of the three above; repeatable")
    parser.add_argument("--without-neighbours", action="store_true",
                        help="also read each model without its neighbour vote (a row each)")
    args = parser.parse_args()

    from bench_setup import variant_config, without_neighbour_vote

    from bot.config import Settings
    from bot.device import limit_blas_threads
    from bot.nlu.encoder import SentenceEncoder
    from bot.nlu.recognizer import load_recognizer
    from training.understanding import render_table, score_sources

    models: list[tuple[str, Path]] = []
    for spec in args.model:
        name, _, folder = spec.partition("=")
        if not folder:
            parser.error(f"--model {spec!r}: write NAME=DATA_DIR")
        models.append((name, Path(folder)))
    if args.train:
        models += train_models(args.out)
    for spec in args.variant:
        name, overrides = variant_config(spec)
        models.append((name, train_variant(args.out, name, overrides)))
    if not models:
        parser.error("give --model NAME=DATA_DIR (trained data folders), --train or --variant")
    sources = args.source or [
        args.shared / "banking77" / "test.csv",
        ROOT / "benchmarks" / "style_set" / "heldout.csv",
        args.shared / "clinc150" / "data_full.json",
    ]
    limit_blas_threads()
    rows = []
    for name, folder in models:
        settings = Settings(data_dir=folder)
        encoder = SentenceEncoder.from_settings(settings)
        recognizer = load_recognizer(settings.model_dir, encoder, settings.device)
        recognizer.warm_up()
        rows.append((f"{name} ({recognizer.kind})", score_sources(recognizer, sources)))
        if args.without_neighbours and recognizer.neighbours is not None:
            without_neighbour_vote(recognizer)
            rows.append((f"{name}, without its neighbour vote", score_sources(recognizer,
                                                                              sources)))
    table = render_table(rows)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "understanding.json").write_text(json.dumps(
        {"table": table, "rows": {name: [asdict(s) for s in scores] for name, scores in rows}},
        indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
