"""The server's first start: answer at once on a frozen-encoder model, fine-tune behind it."""

import shutil

from bot.config import Settings
from bot.files import read_manifest
from bot.nlu.embedding_classifier import KIND as HEAD_KIND
from bot.nlu.finetuned import KIND as FINETUNED_KIND
from bot.runtime import build_runtime
from tests.conftest import TINY_KB
from training.prepare import prepare_models, retrain_scope


def test_first_start_serves_a_quick_model_and_swaps_in_the_fine_tuned_one(
        tmp_path, tiny_kb, encoder) -> None:
    settings = Settings(kb_dir=TINY_KB, data_dir=tmp_path, device="cpu",
                        model_reload_seconds=0)
    prepared = prepare_models(settings, tiny_kb, encoder, show_progress=False,
                              fine_tune_later=True)
    assert prepared.fine_tune is not None
    assert (read_manifest(settings.model_dir) or {}).get("kind") == HEAD_KIND

    runtime = build_runtime(settings, in_memory=True, kb=tiny_kb, encoder=encoder)
    runtime.start()
    assert runtime.readiness().model_kind == HEAD_KIND
    reply = runtime.channel("api").handle("my card still hasn't arrived")
    assert reply.intent is not None and reply.intent.name == "card_arrival"

    thread = runtime.train_in_background("fine-tuning the intent model", prepared.fine_tune)
    assert runtime.readiness().training == "fine-tuning the intent model"
    thread.join(timeout=300)
    state = runtime.readiness()
    assert (state.model_kind, state.training, state.ready) == (FINETUNED_KIND, None, True)
    reply = runtime.channel("api").handle("my card still hasn't arrived")
    assert reply.intent is not None and reply.intent.name == "card_arrival"

    # The next start finds the fine-tuned model current: nothing left to train.
    again = prepare_models(settings, tiny_kb, encoder, show_progress=False, fine_tune_later=True)
    assert again.fine_tune is None and again.trained is None


def test_a_failed_background_fine_tune_keeps_the_quick_model(tmp_path, tiny_head_settings,
                                                             tiny_kb, encoder) -> None:
    settings = Settings(kb_dir=TINY_KB, data_dir=tmp_path, device="cpu",
                        model_reload_seconds=0)
    shutil.copytree(tiny_head_settings.model_dir, settings.model_dir)
    prepared = prepare_models(settings, tiny_kb, encoder, show_progress=False,
                              fine_tune_later=True)
    assert prepared.trained is None  # the head model already serves this KB: kept
    runtime = build_runtime(settings, in_memory=True, kb=tiny_kb, encoder=encoder)
    runtime.start()

    def broken() -> None:
        raise RuntimeError("disk full")

    runtime.train_in_background("fine-tuning the intent model", broken).join(timeout=30)
    state = runtime.readiness()
    assert (state.model_kind, state.training, state.ready) == (HEAD_KIND, None, True)


def test_the_scope_detector_alone_is_rebuilt_with_new_out_of_scope_data(
        tmp_path, tiny_head_settings, tiny_kb, encoder) -> None:
    import json

    settings = Settings(kb_dir=TINY_KB, data_dir=tmp_path, device="cpu")
    shutil.copytree(tiny_head_settings.model_dir, settings.model_dir)
    head_before = (settings.model_dir / "head.npz").read_bytes()
    clinc = tmp_path / "clinc150"
    clinc.mkdir()
    (clinc / "domains.json").write_text(json.dumps(
        {"banking": ["balance"], "travel": ["book_flight", "exchange_rate"]}))
    rows = {
        "train": [["what's my balance", "balance"], ["book me a flight to rome", "book_flight"],
                  ["how many euros for a pound", "exchange_rate"]],
        "val": [["balance please", "balance"], ["flights to paris on friday", "book_flight"]],
        "oos_train": [["recipe for pancakes", "oos"]], "oos_val": [["tell me a poem", "oos"]],
    }
    (clinc / "data_full.json").write_text(json.dumps(rows))
    metrics = retrain_scope(settings, tiny_kb, encoder, [clinc / "data_full.json"])
    manifest = read_manifest(settings.model_dir) or {}
    assert manifest["oos_files"] == [str((clinc / "data_full.json").resolve())]
    assert manifest["out_of_scope"] == metrics
    assert metrics["out_of_scope_examples"] == 12 + 2  # the KB's list + flight and recipe
    assert metrics["in_scope_examples"] == 36 + 2  # the KB's examples + balance and exchange
    assert (settings.model_dir / "head.npz").read_bytes() == head_before
