"""Fine-tune steps of the default configuration against other ways, in one process.

The default fine-tune (`training.finetune`) updates MiniLM's weights with one fused AdamW
kernel; until 2026-12-06 it looped over the tensors. Whole trainings timed one after the
other on a shared machine differed by more than that change (the same 1,340 steps took
630 s and, an hour later, 4/5 of them 675 s), so this times the real thing side by side:
the default KB's training rows, augmented and batched as the fine-tune does, through two
copies of the model, one per way, switching every few steps so that a machine whose speed
drifts weighs on both alike. Prints milliseconds a step per way (the default KB's
fine-tune took 1,340 steps until 2026-12-06 afternoon, four passes 1,072).

Without `--variant`, the other way is AdamW's loop over tensors; each `--variant
NAME=FIELD=VALUE[,FIELD=VALUE]` adds a way with those `training.finetune.FineTuneConfig`
fields changed (the ones that shape a step: `frozen_layers`, `encoder_layers`, `dropout`,
`max_length`; the batches are the default's).

    python benchmarks/finetune_steps.py [--steps 200] [--block 10]
    python benchmarks/finetune_steps.py --variant "every layer trains=frozen_layers=0"
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="steps per way")
    parser.add_argument("--block", type=int, default=10, help="steps before switching")
    parser.add_argument("--variant", action="append", default=[],
                        help="NAME=FIELD=VALUE[,FIELD=VALUE]: another way, FineTuneConfig "
                             "fields changed")
    args = parser.parse_args()

    from dataclasses import replace

    import torch
    from bench_setup import variant_config
    from torch import nn
    from transformers import AutoTokenizer

    from bot.config import bundled_encoder_path
    from bot.kb import load_knowledge_base
    from bot.nlu.finetuned import CosineIntentModel
    from knowledge_base import DEFAULT_KB_DIR
    from training import finetune
    from training.data import training_examples

    config = finetune.FineTuneConfig()
    examples = training_examples(load_knowledge_base(DEFAULT_KB_DIR))
    labels = sorted({e.label for e in examples})
    label_ids = {label: i for i, label in enumerate(labels)}
    texts = [e.text for e in examples]
    targets = torch.tensor([label_ids[e.label] for e in examples])
    tokenizer = AutoTokenizer.from_pretrained(bundled_encoder_path())
    lengths = [len(ids) for ids in tokenizer(texts, truncation=True,
                                             max_length=config.max_length)["input_ids"]]
    rng = random.Random(config.seed)
    batches = finetune._length_grouped_batches(lengths, config.batch_size, rng)

    Way = tuple[CosineIntentModel, torch.optim.Optimizer, finetune.FineTuneConfig]

    def training_copy(way: finetune.FineTuneConfig, fused: bool = True) -> Way:
        torch.manual_seed(way.seed)
        model = CosineIntentModel(finetune.trainable_encoder(bundled_encoder_path(), way),
                                  len(labels), way.scale)
        model.train()
        return model, finetune.adamw(model, way, fused=fused), way

    ways = {"default": training_copy(config)}
    for spec in args.variant:
        name, overrides = variant_config(spec)
        ways[name] = training_copy(replace(config, **overrides))  # type: ignore[arg-type]
    if not args.variant:
        ways["loop over tensors (until 2026-12-06)"] = training_copy(config, fused=False)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing, reduction="none")
    seconds: dict[str, list[float]] = {name: [] for name in ways}
    step = 0
    while step < args.steps:
        for name, (model, optimizer, way) in ways.items():
            for offset in range(args.block):
                ids = batches[(step + offset) % len(batches)]
                batch_texts = [finetune._augment(texts[i], config, rng) for i in ids]
                started = time.perf_counter()
                finetune.training_step(model, optimizer, tokenizer, batch_texts,
                                       targets[ids], loss_fn, way, "cpu")
                seconds[name].append(time.perf_counter() - started)
        step += args.block

    print(f"{args.steps} steps a way, switching every {args.block}, "
          f"{torch.get_num_threads()} threads")
    print("| way | ms a step (mean) | ms a step (median) |")
    print("| --- | --- | --- |")
    for name, values in seconds.items():
        print(f"| {name} | {statistics.fmean(values) * 1000:.0f} | "
              f"{statistics.median(values) * 1000:.0f} |")
    default = statistics.fmean(seconds["default"])
    for name, values in list(seconds.items())[1:]:
        print(f"{name}: {statistics.fmean(values) / default - 1:+.0%} a step against the default")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
