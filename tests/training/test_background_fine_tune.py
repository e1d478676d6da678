"""The server's first start: answer at once on a model of the KB's own examples, train the
better ones and the other languages' behind it."""

import shutil

from bot.config import Settings
from bot.files import read_manifest
from bot.kb import load_knowledge_base
from bot.nlu.embedding_classifier import KIND as HEAD_KIND
from bot.nlu.finetuned import KIND as FINETUNED_KIND
from bot.runtime import BackgroundStep, build_runtime
from tests.conftest import TINY_KB, link_multilingual_encoder
from training.prepare import KB_ONLY, model_is_current, prepare_models, retrain_scope


def test_first_start_serves_a_quick_model_and_swaps_in_better_ones(
        tmp_path, tiny_kb, encoder) -> None:
    settings = Settings(kb_dir=TINY_KB, data_dir=tmp_path, device="cpu",
                        model_reload_seconds=0)
    prepared = prepare_models(settings, tiny_kb, encoder, show_progress=False,
                              fine_tune_later=True)
    assert [step.what for step in prepared.background] == [
        "training the frozen-encoder intent model on the knowledge base and its corpora",
        "fine-tuning the intent model"]
    manifest = read_manifest(settings.model_dir) or {}
    assert manifest.get("kind") == HEAD_KIND and manifest.get(KB_ONLY) is True
    assert not model_is_current(settings.model_copy(update={"intent_model": "embedding-head"}),
                                tiny_kb, encoder)  # the quick model is never taken as done

    runtime = build_runtime(settings, in_memory=True, kb=tiny_kb, encoder=encoder)
    runtime.start()
    assert runtime.readiness().model_kind == HEAD_KIND
    reply = runtime.channel("api").handle("my card still hasn't arrived")
    assert reply.intent is not None and reply.intent.name == "card_arrival"

    thread = runtime.train_in_background(prepared.background)
    assert runtime.readiness().training in {step.what for step in prepared.background}
    thread.join(timeout=300)
    state = runtime.readiness()
    assert (state.model_kind, state.training, state.ready) == (FINETUNED_KIND, None, True)
    reply = runtime.channel("api").handle("my card still hasn't arrived")
    assert reply.intent is not None and reply.intent.name == "card_arrival"

    # The next start finds the fine-tuned model current: nothing left to train.
    again = prepare_models(settings, tiny_kb, encoder, show_progress=False, fine_tune_later=True)
    assert again.background == () and again.trained is None


def test_a_failed_background_step_keeps_the_current_model_and_runs_the_next(
        tmp_path, tiny_head_settings, tiny_kb, encoder) -> None:
    settings = Settings(kb_dir=TINY_KB, data_dir=tmp_path, device="cpu",
                        model_reload_seconds=0)
    shutil.copytree(tiny_head_settings.model_dir, settings.model_dir)
    prepared = prepare_models(settings, tiny_kb, encoder, show_progress=False,
                              fine_tune_later=True)
    assert prepared.trained is None  # the head model already serves this KB: kept
    assert [step.what for step in prepared.background] == ["fine-tuning the intent model"]
    runtime = build_runtime(settings, in_memory=True, kb=tiny_kb, encoder=encoder)
    runtime.start()
    ran = []

    def broken() -> None:
        raise RuntimeError("disk full")

    runtime.train_in_background([BackgroundStep("fine-tuning the intent model", broken),
                                 BackgroundStep("the next step", lambda: ran.append(1))]
                                ).join(timeout=30)
    state = runtime.readiness()
    assert (state.model_kind, state.training, state.ready) == (HEAD_KIND, None, True)
    assert ran == [1]


def test_the_first_start_answers_at_once_and_trains_the_other_languages_behind(
        tmp_path, zh_kb_dir, encoder, multilingual_encoder_dir) -> None:
    """A Chinese message before the Chinese model is there is told so, in Chinese, and
    stored; once the background step has run, Chinese is understood, in the same session."""
    settings = Settings(kb_dir=zh_kb_dir, data_dir=tmp_path, device="cpu",
                        intent_model="embedding-head", model_reload_seconds=0)
    link_multilingual_encoder(settings, multilingual_encoder_dir)
    kb = load_knowledge_base(zh_kb_dir)
    prepared = prepare_models(settings, kb, encoder, show_progress=False, fine_tune_later=True)
    assert [step.what for step in prepared.background] == [
        "training the models of the knowledge base's other languages (zh)"]
    assert read_manifest(settings.for_locale("zh").model_dir) is None

    runtime = build_runtime(settings, in_memory=True, kb=kb, encoder=encoder)
    runtime.start()
    state = runtime.readiness()
    assert (state.ready, state.languages, state.pending_languages) == (True, ("en",), ("zh",))
    api = runtime.channel("api")
    english = api.handle("my card still hasn't arrived")
    assert english.intent is not None and english.intent.name == "card_arrival"
    assert english.language == "en"
    session = api.handle("你好").session_id
    early = api.handle("我的卡还没寄到", session)
    assert (early.language, early.action, early.intent) == ("zh", "fallback", None)
    assert early.text == kb.locales["zh"].messages["language.preparing"]
    history = runtime.store.load(session)
    assert history is not None and history.language == "zh"
    assert [t.user_text for t in runtime.store.turns(session)] == ["你好", "我的卡还没寄到"]
    runtime.assistant.reload_knowledge_base(kb)  # an admin edit meanwhile: Chinese still waits
    assert runtime.readiness().pending_languages == ("zh",)

    runtime.train_in_background(prepared.background).join(timeout=300)
    state = runtime.readiness()
    assert (state.languages, state.pending_languages, state.training) == (("en", "zh"), (), None)
    later = api.handle("我的卡还没寄到", session)
    assert later.language == "zh" and later.intent is not None
    assert later.intent.name == "card_arrival"
    assert later.turn == 3

    # The next start serves Chinese at once: nothing left to train.
    again = prepare_models(settings, kb, encoder, show_progress=False, fine_tune_later=True)
    assert again.background == ()


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
