"""Fine-tune all-MiniLM-L6-v2 (lowest layers frozen) as an intent classifier, cosine softmax head.

Recipe (chosen for 2 CPU cores): intent vectors initialised at the class centroids of the
pre-trained embeddings; the word embeddings and lowest two layers frozen, four passes;
AdamW (fused) with a higher learning rate for the head; linear warm-up and
decay; label smoothing; on-the-fly typo / lower-case augmentation; length-grouped batches
so little time goes into padding. Data goes through a `datasets.Dataset`; the split is
stratified and seeded. After training, a temperature is fitted on the validation split.
The pre-trained vectors of the training examples are kept as the references of the
neighbour vote (`bot.nlu.neighbours`), its own temperature fitted on the same split.

A checkpoint is written after every epoch next to the output folder; a run started again
with the same data and configuration resumes from it. The model folder is written to a
temporary folder and renamed into place, so an interrupted run never leaves half a model.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from bot.device import resolve_device
from bot.files import LABELS, MANIFEST, atomic_folder, library_versions, write_json
from bot.nlu.embedding_classifier import softmax
from bot.nlu.finetuned import ENCODER_DIR, HEAD_FILE, KIND, CosineIntentModel
from bot.nlu.neighbours import NeighbourVote
from bot.nlu.onnx_encoder import export_onnx
from training.calibration import expected_calibration_error, fit_temperature
from training.data import (
    LabelledExample,
    check_enough_examples,
    count_sources,
    deduplicate,
    examples_hash,
    stratified_split,
)
from training.noise import add_typos, plain_lower
from training.scope import ModelSpace, WriteExtra

log = logging.getLogger(__name__)

OUTLIER = -1  # the training target of a message to decline


@dataclass(frozen=True)
class FineTuneConfig:
    # None: enough passes for about `min_steps` updates, 4 to 12 (`schedule_epochs`). Four
    # passes of the default KB with `frozen_layers` 2 instead of five of the whole encoder
    # (2026-12-06, README "The intent model"): BANKING77 test 95.0% -> 94.5%, style set
    # 90.6% -> 91.1%, CLINC150 AUROC 0.9635 -> 0.9779, held-out dialogues 54 -> 57 of 72,
    # in 0.6 of the time.
    epochs: int | None = None
    min_steps: int = 1000
    batch_size: int = 64
    learning_rate: float = 1e-4
    head_learning_rate: float = 3e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    label_smoothing: float = 0.1
    scale: float = 20.0
    max_length: int = 64
    # The KB's own examples count this many times per epoch: a corpus such as BANKING77
    # outnumbers them about 7 to 1, and the KB's wording (and the intents only it covers:
    # disputes, loans, advice) would otherwise weigh little. 3 against 1, on the default KB
    # (2026-12-03): BANKING77 test 94.3% (94.4%), style_set/dev 92.9% (90.9%) with 1.9%
    # (3.2%) of its banking messages flagged out of scope.
    kb_repeats: int = 3
    # Outlier exposure: messages the assistant must decline (the KB's out-of-scope list and
    # corpora) join the batches with a uniform target over the intents, so the fine-tune
    # pulls them away from every intent instead of folding them into the nearest one (the
    # out-of-scope detector then sees them apart). `outlier_share`: their number against
    # the in-scope training rows; `outlier_weight`: their loss against a labelled row's.
    outlier_share: float = 0.2
    outlier_weight: float = 0.5
    typo_probability: float = 0.3
    lowercase_probability: float = 0.15
    validation_fraction: float = 0.05
    min_examples_for_validation: int = 5
    seed: int = 13
    # Keep only the encoder's lowest N transformer layers (None: all six of MiniLM): fewer
    # layers train and serve faster. Measured on the default KB (2026-12-06, README "The
    # intent model"): 4 layers BANKING77 test 93.9%, 3 layers 93.1%, against 94.4% with six.
    encoder_layers: int | None = None
    # The word embeddings and the lowest N transformer layers keep their pre-trained weights
    # (0: every weight trains): no gradient flows below the lowest trained layer, so a step
    # takes less time (2 layers: 24% less, 3: 33%; `benchmarks/finetune_steps.py`), and the
    # model keeps more of the pre-trained space, where messages to decline stay apart.
    frozen_layers: int = 2
    # The encoder's dropout (hidden states and attention) while fine-tuning; None: the base
    # encoder's own (0.1 for MiniLM). 0 measured on the default KB (2026-12-06): BANKING77
    # test 94.2%, style set 88.4% against 90.7%, and no faster.
    dropout: float | None = None
    # The closest training example of each intent in the frozen encoder's space, blended
    # with the model's probabilities at this weight (`bot.nlu.neighbours`; 0: no vote).
    # 0.3 at scale 20, chosen on the validation split and style_set/dev*.csv (2026-12-06,
    # one default-KB model): BANKING77 test 94.45% -> 95.0%, style_set/dev2 90.4% -> 91.9%.
    neighbour_weight: float = 0.3
    neighbour_scale: float = 20.0


@dataclass
class FineTuneReport:
    examples: int
    labels: int
    validation_examples: int
    validation_accuracy: float | None
    validation_ece: float | None
    temperature: float
    epochs: int
    seconds: float
    device: str
    sources: dict[str, int] = field(default_factory=dict)
    # with the neighbour vote (`bot.nlu.neighbours`); None without one
    validation_accuracy_with_neighbours: float | None = None


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _length_grouped_batches(
    lengths: list[int], batch_size: int, rng: random.Random
) -> list[list[int]]:
    """Shuffle, sort within windows of 50 batches by length, then shuffle the batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    window = batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start:start + window], key=lambda i: lengths[i])
        batches.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def validation_texts(examples: list[LabelledExample], manifest: dict[str, Any]) -> list[str]:
    """The validation split a fine-tuned model in a folder was not trained on, found again
    from its training examples and the configuration in its `manifest` (the split is
    seeded); empty when the examples are not the ones it was trained on."""
    examples = deduplicate(examples)
    if manifest.get("kind") != KIND or manifest.get("training_data_hash") != examples_hash(
            examples):
        return []
    config = manifest.get("config", {})
    defaults = FineTuneConfig()
    _, val_idx = stratified_split(
        [e.label for e in examples],
        float(config.get("validation_fraction", defaults.validation_fraction)),
        int(config.get("min_examples_for_validation", defaults.min_examples_for_validation)),
        int(config.get("seed", defaults.seed)),
    )
    return [examples[i].text for i in val_idx]


def _lowest_layers(encoder: Any, layers: int | None) -> Any:
    """`encoder` (a transformers BERT model) keeping its lowest `layers` transformer layers
    (all when None); its configuration says so, so the saved folder loads as that model."""
    if layers is None:
        return encoder
    stack = encoder.encoder.layer
    if not 1 <= layers <= len(stack):
        raise ValueError(f"encoder_layers must be between 1 and {len(stack)} (the base "
                         f"encoder's layers), not {layers}")
    encoder.encoder.layer = stack[:layers]
    encoder.config.num_hidden_layers = layers
    return encoder


def trainable_encoder(base_encoder: str | Path, config: FineTuneConfig) -> Any:
    """The pre-trained encoder as the fine-tune trains it: its dropout, layers kept and
    layers frozen as `config` says."""
    from transformers import AutoModel

    dropout = ({} if config.dropout is None else
               {"hidden_dropout_prob": config.dropout,
                "attention_probs_dropout_prob": config.dropout})
    return _freeze_lowest(_lowest_layers(AutoModel.from_pretrained(base_encoder, **dropout),
                                         config.encoder_layers), config.frozen_layers)


def schedule_epochs(config: FineTuneConfig, steps_per_epoch: int) -> int:
    """The passes over the training rows: `config.epochs`, or enough for about
    `config.min_steps` updates, at least 4 (a corpus-sized KB) and at most 12 (a small KB's
    few examples)."""
    return config.epochs or min(12, max(4, -(-config.min_steps // steps_per_epoch)))


def _freeze_lowest(encoder: Any, layers: int) -> Any:
    """`encoder` with its word embeddings and lowest `layers` transformer layers frozen
    (none when 0)."""
    if layers == 0:
        return encoder
    stack = encoder.encoder.layer
    if not 1 <= layers <= len(stack):
        raise ValueError(f"frozen_layers must be between 0 and {len(stack)} (the encoder's "
                         f"layers), not {layers}")
    for part in (encoder.embeddings, *stack[:layers]):
        part.requires_grad_(False)
    return encoder


def _outlier_sample(outliers: list[str], labelled_rows: int,
                    config: FineTuneConfig) -> list[str]:
    """A seeded sample of the messages to decline, `outlier_share` of the labelled rows."""
    unique = list(dict.fromkeys(" ".join(t.split()) for t in outliers if t.strip()))
    wanted = min(len(unique), round(config.outlier_share * labelled_rows))
    return random.Random(config.seed).sample(unique, wanted) if wanted > 0 else []


def _texts_hash(texts: list[str]) -> str:
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]


def _batch_loss(logits: torch.Tensor, targets: torch.Tensor, labelled_loss: nn.Module,
                outlier_weight: float) -> torch.Tensor:
    """Cross-entropy for labelled rows; for outliers (target `OUTLIER`), cross-entropy
    against the uniform distribution over intents, weighted by `outlier_weight`."""
    is_outlier = targets == OUTLIER
    per_row = labelled_loss(logits, targets.clamp(min=0))
    uniform = -torch.log_softmax(logits, dim=-1).mean(dim=-1)
    return torch.where(is_outlier, outlier_weight * uniform, per_row).mean()


def adamw(model: CosineIntentModel, config: FineTuneConfig, *,
          fused: bool = True) -> torch.optim.AdamW:
    """The fine-tune's optimizer: the encoder at `learning_rate`, the intent vectors at
    `head_learning_rate` without weight decay. `fused`: one kernel for every tensor instead
    of a loop over MiniLM's 103, the same update in 10% less time a step on 2 CPU cores
    (`benchmarks/finetune_steps.py`, 2026-12-06; False only to measure that)."""
    return torch.optim.AdamW(
        [
            {"params": [p for p in model.encoder.parameters() if p.requires_grad],
             "lr": config.learning_rate},
            {"params": [model.intent_vectors], "lr": config.head_learning_rate,
             "weight_decay": 0.0},
        ],
        weight_decay=config.weight_decay,
        fused=fused,
    )


def training_step(model: CosineIntentModel, optimizer: torch.optim.Optimizer, tokenizer: Any,
                  texts: list[str], targets: torch.Tensor, labelled_loss: nn.Module,
                  config: FineTuneConfig, device: str) -> torch.Tensor:
    """One update on a batch of (already augmented) texts; returns the batch's loss."""
    batch = tokenizer(texts, padding=True, truncation=True, max_length=config.max_length,
                      return_tensors="pt").to(device)
    logits = model(batch["input_ids"], batch["attention_mask"])
    loss = _batch_loss(logits, targets.to(device), labelled_loss, config.outlier_weight)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return loss


def _augment(text: str, config: FineTuneConfig, rng: random.Random) -> str:
    draw = rng.random()
    if draw < config.typo_probability:
        return add_typos(text, rng)
    if draw < config.typo_probability + config.lowercase_probability:
        return plain_lower(text)
    return text


@torch.inference_mode()
def _embed_all(
    model: CosineIntentModel, tokenizer: Any, texts: list[str], config: FineTuneConfig,
    device: str, desc: str | None = None,
) -> torch.Tensor:
    model.eval()
    chunks = []
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    steps = range(0, len(texts), 128)
    for start in tqdm(steps, desc=desc, disable=desc is None, leave=False):
        idx = order[start:start + 128]
        batch = tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                          max_length=config.max_length, return_tensors="pt").to(device)
        chunks.append((idx, model.embed(batch["input_ids"], batch["attention_mask"]).cpu()))
    out = torch.zeros(len(texts), model.intent_vectors.shape[1])
    for idx, vectors in chunks:
        out[idx] = vectors
    return out


class _Checkpoint:
    """Per-epoch training state beside the output folder, keyed by data hash and config."""

    def __init__(self, output_dir: Path, key: str) -> None:
        self.folder = output_dir.with_name(f".{output_dir.name}.checkpoint")
        self.key = key

    def load(self) -> dict[str, Any] | None:
        path = self.folder / "state.pt"
        if not path.is_file():
            return None
        state = torch.load(path, map_location="cpu", weights_only=False)
        return state if state.get("key") == self.key else None

    def save(self, state: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / "state.pt.tmp"
        torch.save({**state, "key": self.key}, tmp)
        tmp.replace(self.folder / "state.pt")

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def finetune_intent_model(
    examples: list[LabelledExample],
    output_dir: Path,
    *,
    base_encoder: str,
    kb_intents_hash: str,
    data_files: list[str] | None = None,
    config: FineTuneConfig | None = None,
    device: str = "auto",
    show_progress: bool = True,
    extra_manifest: dict[str, Any] | None = None,
    write_extra: WriteExtra | None = None,
    outliers: list[str] | None = None,
) -> FineTuneReport:
    """Fine-tune, calibrate and save. `outliers`: messages to decline, learnt with a uniform
    target (see `FineTuneConfig.outlier_share`). `write_extra(folder, space)` may add files
    to the model folder using the trained model (its embedding, intent vectors and the
    validation texts it was not trained on; the out-of-scope detector does) and returns
    entries for the manifest."""
    from datasets import ClassLabel, Dataset, Features, Value
    from safetensors.torch import save_file
    from transformers import AutoTokenizer, get_linear_schedule_with_warmup

    config = config or FineTuneConfig()
    started = time.perf_counter()
    examples = deduplicate(examples)
    check_enough_examples(examples)
    labels = sorted({e.label for e in examples})
    features = Features({"text": Value("string"), "label": ClassLabel(names=labels),
                         "source": Value("string")})
    dataset = Dataset.from_dict(
        {"text": [e.text for e in examples], "label": [e.label for e in examples],
         "source": [e.source for e in examples]},
        features=features,
    )
    train_idx, val_idx = stratified_split(
        [e.label for e in examples], config.validation_fraction,
        config.min_examples_for_validation, config.seed,
    )
    train_set, val_set = dataset.select(train_idx), dataset.select(val_idx)
    data_hash = examples_hash(examples)

    _seed_everything(config.seed)
    run_device = resolve_device(device)  # type: ignore[arg-type]
    tokenizer = AutoTokenizer.from_pretrained(base_encoder)
    model = CosineIntentModel(trainable_encoder(base_encoder, config), len(labels),
                              config.scale).to(run_device)

    # Repeating only rebalances the KB against a corpus; a KB trained alone is not repeated.
    kb_weight = config.kb_repeats if any(s != "kb" for s in train_set["source"]) else 1
    repeats = [kb_weight if source == "kb" else 1 for source in train_set["source"]]
    train_texts: list[str] = [t for t, n in zip(train_set["text"], repeats, strict=True)
                              for _ in range(n)]
    train_targets = torch.tensor([label for label, n in zip(train_set["label"], repeats,
                                                            strict=True) for _ in range(n)])
    exposed = _outlier_sample(outliers or [], len(train_texts), config)
    labelled_rows = len(train_texts)
    train_texts += exposed
    train_targets = torch.cat([train_targets,
                               torch.full((len(exposed),), OUTLIER, dtype=torch.long)])
    lengths = [len(ids) for ids in tokenizer(train_texts, truncation=True,
                                             max_length=config.max_length)["input_ids"]]
    steps_per_epoch = -(-len(train_texts) // config.batch_size)
    epochs = schedule_epochs(config, steps_per_epoch)
    total_steps = steps_per_epoch * epochs

    optimizer = adamw(model, config)
    scheduler = get_linear_schedule_with_warmup(
        optimizer, int(total_steps * config.warmup_ratio), total_steps
    )
    checkpoint = _Checkpoint(Path(output_dir), f"{data_hash}:{_texts_hash(exposed)}:"
                                                f"{json.dumps(asdict(config))}")
    state = checkpoint.load()
    # The pre-trained encoder's vectors of the examples (each distinct text once; the KB's
    # repeats weigh in by their count): the intent vectors start at their class centroids,
    # so training starts near a good model, and the neighbour vote keeps them as its
    # references. The pre-trained encoder is the frozen sentence encoder that reads every
    # message for FAQ retrieval, unless it is cut to fewer layers (no vote then).
    votes = config.neighbour_weight > 0 and config.encoder_layers is None
    distinct = list(dict.fromkeys(train_texts[:labelled_rows]))
    row_of = {text: row for row, text in enumerate(distinct)}
    pretrained = val_pretrained = None
    if state is None or votes:
        pretrained = _embed_all(model, tokenizer, distinct, config, run_device,
                                desc="initialising" if show_progress else None)
    if votes:
        val_pretrained = _embed_all(model, tokenizer, list(val_set["text"]), config,
                                    run_device).numpy()
    first_epoch = 0
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        first_epoch = state["epoch"] + 1
        log.info("resuming fine-tuning after epoch %d", first_epoch)
    else:
        assert pretrained is not None
        rows = torch.tensor([row_of[text] for text in train_texts[:labelled_rows]])
        centroids = torch.zeros(len(labels), pretrained.shape[1]).index_add_(
            0, train_targets[:labelled_rows], pretrained[rows]
        )
        model.intent_vectors.data = nn.functional.normalize(centroids, dim=-1).to(run_device)

    loss_fn = nn.CrossEntropyLoss(label_smoothing=config.label_smoothing, reduction="none")
    progress = tqdm(total=total_steps, initial=first_epoch * steps_per_epoch,
                    desc="fine-tuning", disable=not show_progress)
    for epoch in range(first_epoch, epochs):
        model.train()
        rng = random.Random(config.seed * 1000 + epoch)
        for batch_ids in _length_grouped_batches(lengths, config.batch_size, rng):
            texts = [_augment(train_texts[i], config, rng) for i in batch_ids]
            loss = training_step(model, optimizer, tokenizer, texts, train_targets[batch_ids],
                                 loss_fn, config, run_device)
            scheduler.step()
            progress.update(1)
            progress.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.3f}")
        checkpoint.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                         "scheduler": scheduler.state_dict(), "epoch": epoch})
    progress.close()

    temperature, val_accuracy, val_ece = 1.0, None, None
    if len(val_set):
        val_vectors = _embed_all(model, tokenizer, list(val_set["text"]), config, run_device)
        with torch.no_grad():
            val_logits = model.logits(val_vectors.to(run_device)).cpu().numpy()
        val_targets = np.array(list(val_set["label"]))
        val_accuracy = float((val_logits.argmax(1) == val_targets).mean())
        temperature = fit_temperature(val_logits, val_targets)
        probs = softmax(val_logits / temperature)
        val_ece = expected_calibration_error(probs.max(1), probs.argmax(1) == val_targets)
    neighbours: NeighbourVote | None = None
    vote_accuracy: float | None = None
    if votes:
        assert pretrained is not None
        references = pretrained[[row_of[text] for text in train_set["text"]]].numpy()
        neighbours = NeighbourVote.build(references, np.array(list(train_set["label"])),
                                         len(labels), weight=config.neighbour_weight,
                                         scale=config.neighbour_scale)
        if len(val_set):
            assert val_pretrained is not None
            blended = neighbours.blended_logits(softmax(val_logits / temperature),
                                                neighbours.closest(val_pretrained))
            neighbours = replace(neighbours,
                                 temperature=fit_temperature(blended, val_targets))
            vote_accuracy = float((blended.argmax(1) == val_targets).mean())
            log.info("validation accuracy %.1f%% with the neighbour vote, %.1f%% without",
                     100 * vote_accuracy, 100 * (val_accuracy or 0.0))

    report = FineTuneReport(
        examples=len(examples), labels=len(labels), validation_examples=len(val_set),
        validation_accuracy=val_accuracy, validation_ece=val_ece, temperature=temperature,
        epochs=epochs, seconds=round(time.perf_counter() - started, 1),
        device=run_device, sources=count_sources(examples),
        validation_accuracy_with_neighbours=vote_accuracy,
    )

    def embed(texts: list[str]) -> np.ndarray:
        return _embed_all(model, tokenizer, texts, config, run_device).numpy()

    with atomic_folder(Path(output_dir)) as folder:
        intents = nn.functional.normalize(model.intent_vectors.detach(), dim=-1).cpu().numpy()
        space = ModelSpace(embed, intents, list(val_set["text"]))
        added = write_extra(folder, space) if write_extra is not None else {}
        model.cpu()
        trained_encoder: Any = model.encoder
        trained_encoder.save_pretrained(folder / ENCODER_DIR)
        tokenizer.save_pretrained(folder / ENCODER_DIR)
        save_file({"intent_vectors": model.intent_vectors.detach().contiguous()},
                  str(folder / HEAD_FILE))
        onnx = export_onnx(model, tokenizer, folder, config.max_length)
        if neighbours is not None:
            neighbours.save(folder)
        write_json(folder / LABELS, labels)
        write_json(folder / MANIFEST, {
            "kind": KIND,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "base_encoder": base_encoder,
            "scale": config.scale,
            "temperature": temperature,
            "kb_intents_hash": kb_intents_hash,
            "data_files": data_files or [],
            "training_data_hash": data_hash,
            "outliers": len(exposed),
            "config": asdict(config),
            "metrics": asdict(report),
            "versions": library_versions(),
            "onnx": onnx,
            **({"neighbours": {"weight": neighbours.weight, "scale": neighbours.scale,
                               "temperature": neighbours.temperature,
                               "references": len(neighbours.vectors)}}
               if neighbours is not None else {}),
            **(extra_manifest or {}),
            **added,
        })
    checkpoint.clear()
    return report
