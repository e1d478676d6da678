"""Issue 7: a question that appears only in chat logs becomes answerable after ingest,
review and retrain, and a running assistant swaps to the new model by itself."""

from __future__ import annotations

import json
from pathlib import Path

from bot.dialogue.review import LogExampleStore, ReviewService
from bot.dialogue.stories import load_stories, run_story
from bot.kb import load_knowledge_base
from bot.pipeline import Assistant
from training.ingest import ingest_faq, read_log_file
from training.registry import ModelRegistry
from training.retrain import RetrainReport, retrain

from .conftest import settings_for

HERE = Path(__file__).parent
# Customers of the live assistant (its review queue) ...
LIVE = ["what interest does the green saver account pay", "how do I open a green saver",
        "is the green saver easy access", "can I take money out of my green saver",
        "green saver rates please", "what's the minimum deposit for the green saver",
        "does the green saver pay monthly interest"]
# ... and of the bank's previous chat system (an export with thumbs-down feedback).
EXPORT = ["Green Saver: is the rate fixed?", "how much can I put in the green saver",
          "is my green saver money protected", "when is green saver interest paid",
          "green saver withdrawal limits", "can I have two green saver accounts",
          "GREEN SAVER   rates please"]  # a repeat of a live question, other case/spacing


def _review_all(service: ReviewService) -> list[int]:
    """What a content reviewer does: Green Saver questions -> the new FAQ entry."""
    queue = service.queue(limit=100)
    for item in queue:
        if "green saver" in item.text.lower():
            service.label(item.id, faq="green-saver")
        else:
            service.dismiss(item.id)
    return [item.id for item in queue]


def test_new_intent_from_logs_becomes_answerable(tmp_path, tiny_kb_dir, encoder,
                                                 database_url) -> None:
    settings = settings_for(tmp_path, tiny_kb_dir, database_url=database_url)
    from training.prepare import prepare_models

    kb = load_knowledge_base(tiny_kb_dir)
    prepare_models(settings, kb, encoder, show_progress=False)
    assistant = Assistant.from_settings(settings, kb=kb, encoder=encoder)
    assistant.warm_up()
    for question in LIVE:  # before: none of them is answered
        reply = assistant.handle(question)
        assert reply.action in {"fallback", "out_of_scope", "handoff", "clarify"}, question

    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps({"text": t, "answer": "Sorry, I did not understand.",
                                          "feedback": "thumbs_down"}) + "\n" for t in EXPORT)
                      + json.dumps({"text": "my card is lost, call me on +44 7911 123456",
                                    "intent": "lost_or_stolen_card"}) + "\n")
    result = ingest_faq(tiny_kb_dir, HERE / "green_saver_faq.yaml")
    assert (result.added, result.new_intents) == (["green-saver"], ["faq_green_saver"])
    kb = result.kb
    store = LogExampleStore(settings.resolved_database_url)
    from_db = store.add(store.teller_review_records(), set(kb.intents))
    from_file = store.add(read_log_file(export), set(kb.intents))
    assert (from_db.added, from_db.repeated) == (len(LIVE), 0)
    assert (from_file.added, from_file.repeated, from_file.labelled) == (7, 1, 1)
    masked = [r.text for r in store.open_rows()] + [r.text for r in store.reviewed()]
    assert not any("7911 123456" in text for text in masked)

    service = ReviewService(store, kb, embed=encoder.encode)
    queue = service.queue(limit=100)
    assert {i.text for i in queue} == set(LIVE + EXPORT[:-1])
    top = queue[0]
    assert top.text == "green saver rates please" and top.seen == 2  # frequent + uncertain
    assert top.cluster_size >= 3 and top.suggests_new_faq
    _review_all(service)
    assert store.open_rows() == []

    report = retrain(settings, kb, encoder)
    assert isinstance(report, RetrainReport) and report.promoted, report
    assert report.candidate.accuracy >= report.current.accuracy  # type: ignore[union-attr]
    assert ModelRegistry(settings).current() == report.version
    saved = json.loads((settings.data_dir / "registry" / report.version / "report.json")
                       .read_text())
    assert saved["promoted"] is True and saved["version"] == report.version

    assert assistant.reload_model_if_changed()  # loads the KB with the new intent too
    assert "faq_green_saver" in assistant.classifier.labels
    for story in load_stories(HERE / "green_saver.yml"):
        result_ = run_story(assistant, story)
        assert result_.passed, result_.failures
