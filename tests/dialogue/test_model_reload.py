"""The server swaps in a newer model folder without a restart, and refuses one that does not
fit the knowledge base."""

import shutil
from pathlib import Path

from bot.config import Settings
from bot.pipeline import Assistant
from training.prepare import prepare_models


def test_newer_model_is_swapped_in(tmp_path: Path, tiny_head_settings, tiny_kb, encoder) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(tiny_head_settings.data_dir, data_dir)
    settings = tiny_head_settings.model_copy(update={"data_dir": data_dir})
    assistant = Assistant.from_settings(settings, in_memory=True, kb=tiny_kb, encoder=encoder)
    assistant.warm_up()
    before = assistant.classifier
    assert assistant.reload_model_if_changed() is False

    extra = tmp_path / "extra.csv"
    extra.write_text("text,category\nthe courier lost my card,card_arrival\n")
    prepare_models(settings, tiny_kb, encoder, show_progress=False, data_files=[extra])
    assert assistant.reload_model_if_changed() is True
    assert assistant.classifier is not before
    assert assistant.handle("my card has not come yet").intent.name == "card_arrival"  # type: ignore[union-attr]
    assert assistant.reload_model_if_changed() is False


def test_model_with_unknown_intents_is_refused(
    tmp_path: Path, tiny_head_settings, tiny_kb, encoder, tiny_kb_dir
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(tiny_head_settings.data_dir, data_dir)
    settings: Settings = tiny_head_settings.model_copy(update={"data_dir": data_dir})
    assistant = Assistant.from_settings(settings, in_memory=True, kb=tiny_kb, encoder=encoder)
    assistant.warm_up()
    before = assistant.classifier

    # A model trained for a KB with one more intent lands in the folder.
    (tiny_kb_dir / "more.yaml").write_text(
        "intents:\n  - name: savings\n"
        "    examples: [savings rates, best saver, interest on savings]\n"
        "responses:\n  - id: utter_savings\n    intent: savings\n    text: We pay 2.5%.\n"
    )
    from bot.kb import load_knowledge_base

    bigger = load_knowledge_base(tiny_kb_dir)
    prepare_models(settings.model_copy(update={"kb_dir": tiny_kb_dir}), bigger, encoder,
                   show_progress=False, force=True)
    assert assistant.reload_model_if_changed() is False
    assert assistant.classifier is before
