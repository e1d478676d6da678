"""Ingest (masking, de-duplication, origins, FAQ validation), the review service's label
rules, the migration, and the `teller` commands a scheduler and a reviewer use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from bot.cli import app
from bot.dialogue.review import InvalidLabel, LogExampleStore, LogRecord, ReviewService
from bot.kb import KnowledgeBaseError, load_knowledge_base
from bot.storage.database import current_revision
from training.ingest import ingest_faq, read_log_file

HERE = Path(__file__).parent


def test_store_masks_deduplicates_and_keeps_origin(database_url) -> None:
    store = LogExampleStore(database_url)
    assert current_revision(store.engine) == "0004"
    assert "log_examples" in inspect(store.engine).get_table_names()
    counts = store.add([
        LogRecord("my email is jo@example.com, card lost", "file:a.csv"),
        LogRecord("My email is  jo@example.com, CARD lost", "file:b.csv", feedback="down"),
        LogRecord("card never came", "teller-db", intent="card_arrival"),
        LogRecord("   ", "file:a.csv"),
        LogRecord("new product?", "file:a.csv", intent="not_an_intent"),
    ], known_intents={"card_arrival"})
    assert counts.added == 3 and counts.repeated == 1 and counts.labelled == 1
    assert counts.skipped == 1
    rows = {r.text: r for r in store.open_rows()}
    assert set(rows) == {"my email is [EMAIL], card lost", "new product?"}
    first = rows["my email is [EMAIL], card lost"]
    assert (first.origin, first.seen, first.reason, first.feedback) == \
        ("file:a.csv", 2, "thumbs_down", "down")
    assert rows["new product?"].predicted_intent == "not_an_intent"  # a hint, not a label
    assert [(r.text, r.intent) for r in store.reviewed()] == [("card never came", "card_arrival")]
    assert store.counts() == {"open": 2, "labelled": 1}


def test_labels_must_name_a_trainable_intent(tiny_kb, tmp_path) -> None:
    store = LogExampleStore(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.add([LogRecord("where is my iban", "file:x")], set())
    service = ReviewService(store, tiny_kb)
    item = store.open_rows()[0].id
    with pytest.raises(InvalidLabel, match="'nope' is not an intent"):
        service.label(item, intent="nope")
    with pytest.raises(InvalidLabel, match="FAQ entry 'find-iban' has no intent"):
        service.label(item, faq="find-iban")
    assert service.label(item, faq="card-arrival") == "card_arrival"
    assert [(r.text, r.intent) for r in store.reviewed()] == [("where is my iban", "card_arrival")]


def test_faq_ingest_adds_changes_and_refuses_an_invalid_kb(tiny_kb_dir, tmp_path) -> None:
    result = ingest_faq(tiny_kb_dir, HERE / "green_saver_faq.yaml")
    assert result.kb.faq["green-saver"].intent == "faq_green_saver"
    assert result.kb.intents["faq_green_saver"].examples == [
        "What is the Green Saver account?", "How does the Green Saver work?"]
    changed = tmp_path / "changed.yaml"
    changed.write_text("faq:\n  - id: opening-hours\n    category: contact\n    questions: "
                       "[When can I call you?]\n    answer: Every day, 8:00 to 22:00.\n")
    result = ingest_faq(tiny_kb_dir, changed)
    assert (result.added, result.changed) == ([], ["opening-hours"])
    assert result.kb.faq["opening-hours"].answer == "Every day, 8:00 to 22:00."
    assert "opening-hours" not in (tiny_kb_dir / "ingested-faq.yaml").read_text()
    before = {p.name: p.read_bytes() for p in tiny_kb_dir.iterdir()}
    broken = tmp_path / "broken.yaml"
    broken.write_text("faq:\n  - id: bad-entry\n    intent: no_such_intent\n    category: x\n"
                      "    questions: [q?]\n    answer: a\n")
    with pytest.raises(KnowledgeBaseError, match="no_such_intent"):
        ingest_faq(tiny_kb_dir, broken)
    assert {p.name: p.read_bytes() for p in tiny_kb_dir.iterdir()} == before
    load_knowledge_base(tiny_kb_dir)


def test_log_file_columns_and_feedback(tmp_path) -> None:
    export = tmp_path / "export.csv"
    export.write_text("text,intent,bot_answer,feedback\nhello,greet,Hi!,up\n"
                      "what?,,Sorry,thumbs_down\n")
    assert read_log_file(export) == [
        LogRecord("hello", "file:export.csv", "greet", "Hi!", "up"),
        LogRecord("what?", "file:export.csv", None, "Sorry", "down")]
    export.write_text("text,feedback\nhello,meh\n")
    with pytest.raises(Exception, match="row 2: feedback 'meh'"):
        read_log_file(export)


def test_cli_ingest_review_cycle_and_models(deployment, tmp_path, monkeypatch) -> None:
    settings, _ = deployment
    for key, value in {"TELLER_KB_DIR": settings.kb_dir, "TELLER_DATA_DIR": settings.data_dir,
                       "TELLER_INTENT_MODEL": "embedding-head", "TELLER_DEVICE": "cpu",
                       "TELLER_DATABASE_URL": settings.database_url,
                       "TELLER_RETRAIN_HOLDOUT_DATA": settings.retrain_holdout_data,
                       "TELLER_RETRAIN_MIN_INTENT_EXAMPLES": 5}.items():
        monkeypatch.setenv(key, str(value))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    logs = tmp_path / "logs.jsonl"
    logs.write_text(json.dumps({"text": "where's the green saver info"}) + "\n"
                    + json.dumps({"text": "my parcel with the card is late",
                                  "intent": "card_arrival"}) + "\n")
    result = runner.invoke(app, ["ingest", "--logs", str(logs), "--faq",
                                 str(HERE / "green_saver_faq.yaml")])
    assert result.exit_code == 0, result.output
    assert "new intents ['faq_green_saver']" in result.output
    assert f"{logs}: 2 new (1 already labelled), 0 repeats, 0 empty" in result.output

    queue = runner.invoke(app, ["review", "--json"])
    assert queue.exit_code == 0, queue.output
    items = json.loads(queue.stdout)
    assert [i["text"] for i in items] == ["where's the green saver info"]
    assert items[0]["suggestions"] and items[0]["reason"] == "unlabelled"
    bad = runner.invoke(app, ["review", "--label", f"{items[0]['id']}=faq:nope"])
    assert bad.exit_code == 2 and "'nope' is not an FAQ entry id" in bad.output
    ok = runner.invoke(app, ["review", "--label", f"{items[0]['id']}=faq:green-saver"])
    assert ok.exit_code == 0 and "labelled faq_green_saver" in ok.output

    first = runner.invoke(app, ["cycle"])
    assert first.exit_code == 0, first.output
    assert "promoted" in first.output
    second = runner.invoke(app, ["cycle"])  # idempotent: nothing new, nothing trained
    assert second.exit_code == 0 and "nothing new since version" in second.output
    listing = runner.invoke(app, ["models", "list", "--json"])
    versions = json.loads(listing.stdout)
    assert [v["status"] for v in versions["versions"]] == ["imported", "promoted"]
    assert versions["current"] == versions["versions"][1]["name"]
    back = runner.invoke(app, ["models", "rollback"])
    assert back.exit_code == 0 and versions["versions"][0]["name"] in back.output
    again = runner.invoke(app, ["models", "rollback"])
    assert again.exit_code == 2 and "no earlier promoted version" in again.output
    missing = runner.invoke(app, ["models", "promote", "v-none"])
    assert missing.exit_code == 2 and "no model version 'v-none'" in missing.output


def test_cli_interactive_review_takes_a_suggestion(deployment, tmp_path, monkeypatch) -> None:
    settings, _ = deployment
    monkeypatch.chdir(tmp_path)
    store = LogExampleStore(settings.resolved_database_url)
    store.add([LogRecord("the card you mailed me never showed up", "file:x")], set())
    result = CliRunner().invoke(
        app, ["review", "--interactive", "--kb", str(settings.kb_dir),
              "--data-dir", str(settings.data_dir)], input="nope\n1\n",
        env={"TELLER_DATABASE_URL": settings.database_url, "TELLER_DEVICE": "cpu",
             "TELLER_INTENT_MODEL": "embedding-head"})
    assert result.exit_code == 0, result.output
    assert "suggestions: 1. card_arrival" in result.stdout
    assert "'nope' is not an intent of the knowledge base" in result.output  # asked again
    assert [(r.text, r.intent) for r in store.reviewed()] == [
        ("the card you mailed me never showed up", "card_arrival")]
    assert store.counts() == {"labelled": 1}
