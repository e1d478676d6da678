"""Fine-tune steps with AdamW's fused update against its loop over tensors, in one process.

The default fine-tune (`training.finetune`) updates MiniLM's weights with one fused AdamW
kernel; until 2026-12-06 it looped over the tensors. Whole trainings timed one after the
other on a shared machine differed by more than that change (the same 1,340 steps took
630 s and, an hour later, 4/5 of them 675 s), so this times the real thing side by side:
the default KB's training rows, augmented and batched as the fine-tune does, through two
copies of the model, one per way, switching every few steps so that a machine whose speed
drifts weighs on both alike. Prints milliseconds a step per way (the default KB's
fine-tune takes 1,340 steps).

    python benchmarks/finetune_steps.py [--steps 200] [--block 10]
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
    args = parser.parse_args()

    import torch
    from torch import nn
    from transformers import AutoModel, AutoTokenizer

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

    def training_copy(fused: bool) -> tuple[CosineIntentModel, torch.optim.Optimizer]:
        torch.manual_seed(config.seed)
        model = CosineIntentModel(AutoModel.from_pretrained(bundled_encoder_path()),
                                  len(labels), config.scale)
        model.train()
        return model, finetune.adamw(model, config, fused=fused)

    ways = {"fused update (default)": training_copy(True),
            "loop over tensors (until 2026-12-06)": training_copy(False)}
    loss_fn = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing, reduction="none")
    seconds: dict[str, list[float]] = {name: [] for name in ways}
    step = 0
    while step < args.steps:
        for name, (model, optimizer) in ways.items():
            for offset in range(args.block):
                ids = batches[(step + offset) % len(batches)]
                batch_texts = [finetune._augment(texts[i], config, rng) for i in ids]
                started = time.perf_counter()
                finetune.training_step(model, optimizer, tokenizer, batch_texts,
                                       targets[ids], loss_fn, config, "cpu")
                seconds[name].append(time.perf_counter() - started)
        step += args.block

    print(f"{args.steps} steps a way, switching every {args.block}, "
          f"{torch.get_num_threads()} threads")
    print("| way | ms a step (mean) | ms a step (median) |")
    print("| --- | --- | --- |")
    for name, values in seconds.items():
        print(f"| {name} | {statistics.fmean(values) * 1000:.0f} | "
              f"{statistics.median(values) * 1000:.0f} |")
    fused, loop = (statistics.fmean(values) for values in seconds.values())
    print(f"the fused update saves {1 - fused / loop:.0%} of a step")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
