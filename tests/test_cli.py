"""The `teller` command line, in-process with Typer's runner and once as a real subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


def args(settings, *extra: str) -> list[str]:
    return [*extra, "--kb", str(settings.kb_dir), "--data-dir", str(settings.data_dir)]


def test_ask_json_one_line_per_message_in_fresh_sessions(tiny_settings) -> None:
    stdin = b"my card never arrived\n\nwhat's the weather in Paris?\n" + b"\xff\xfe\n"
    result = runner.invoke(app, args(tiny_settings, "ask", "--json"), input=stdin)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 4
    card, empty, weather, binary = lines
    assert card["intent"]["name"] == "card_arrival"
    assert card["sources"][0]["faq_id"] == "card-arrival"
    assert {"text", "intent", "out_of_scope", "sources", "buttons"} <= card.keys()
    assert empty == {"error": "message is empty; type a question"}
    assert weather["out_of_scope"] is True and weather["intent"] is None
    assert binary == {"error": "message is not valid UTF-8 text"}
    assert card["session_id"] != weather["session_id"]
    assert result.exit_code == 1  # some lines failed


def test_ask_plain_text(tiny_settings) -> None:
    result = runner.invoke(app, args(tiny_settings, "ask", "where is my IBAN?"))
    assert result.exit_code == 0
    assert result.stdout == "Your IBAN is under Account > Details in the app.\n"


def test_kb_check_reports_file_and_entry(tiny_kb_dir: Path) -> None:
    ok = runner.invoke(app, ["kb", "check", "--kb", str(tiny_kb_dir)])
    assert ok.exit_code == 0
    assert "OK - 6 intents (36 examples), 4 FAQ entries, 0 passages, 6 responses" in ok.stdout
    faq = tiny_kb_dir / "faq.yaml"
    faq.write_text(faq.read_text().replace("intent: card_arrival", "intent: card_arival"))
    broken = runner.invoke(app, ["kb", "check", "--kb", str(tiny_kb_dir)])
    assert broken.exit_code == 2
    assert "faq.yaml: FAQ entry 'card-arrival', field 'intent': no intent named 'card_arival'" in (
        broken.stderr
    )


def test_train_with_extra_data_file(tmp_path: Path, tiny_kb_dir: Path) -> None:
    extra = tmp_path / "extra.csv"
    extra.write_text("text,category\nhas my card been posted yet,card_arrival\n"
                     "card got stolen at the station,lost_or_stolen_card\n")
    data_dir = tmp_path / "data"
    result = runner.invoke(app, ["train", "--data", str(extra), "--model", "embedding-head",
                                 "--kb", str(tiny_kb_dir), "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "trained embedding-head model on 38 examples, 6 intents" in result.stdout
    assert "out-of-scope threshold" in result.stdout
    manifest = json.loads((data_dir / "models" / "intent" / "manifest.json").read_text())
    assert manifest["data_files"] == [str(extra.resolve())]
    assert manifest["metrics"]["sources"] == {"kb": 36, "extra.csv": 2}

    bad = tmp_path / "bad.csv"
    bad.write_text("text,category\nfly me to the moon,space_travel\n")
    refused = runner.invoke(app, ["train", "--data", str(bad), "--model", "embedding-head",
                                  "--kb", str(tiny_kb_dir), "--data-dir", str(data_dir)])
    assert refused.exit_code == 2
    assert "bad.csv: row 2: label 'space_travel' is not an intent" in refused.stderr
    kept = json.loads((data_dir / "models" / "intent" / "manifest.json").read_text())
    assert kept == manifest  # the previous model is untouched


def test_console_script_runs_as_a_process(tiny_settings) -> None:
    teller = Path(sys.executable).with_name("teller")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [str(teller), *args(tiny_settings, "ask", "--json")], input=b"hello\n",
        capture_output=True, env=env, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    reply = json.loads(done.stdout)
    assert reply["text"] == "Hello from Tiny Test Bank! How can I help?"


def test_serve_refuses_a_broken_kb_naming_file_and_entry(tiny_kb_dir: Path, tmp_path: Path) -> None:
    responses = tiny_kb_dir / "responses.yaml"
    responses.write_text(responses.read_text().replace("intent: goodbye", "intent: farewell"))
    result = runner.invoke(
        app, ["serve", "--kb", str(tiny_kb_dir), "--data-dir", str(tmp_path / "data")]
    )
    assert result.exit_code == 2
    assert "responses.yaml: response 'utter_goodbye', field 'intent': no intent named " \
           "'farewell'" in result.stderr
    assert "intents.yaml: intent 'goodbye': nothing answers it" in result.stderr
    assert not (tmp_path / "data" / "models").exists()


def test_bad_setting_is_named(monkeypatch) -> None:
    monkeypatch.setenv("TELLER_PORT", "not-a-port")
    result = runner.invoke(app, ["kb", "check"])
    assert result.exit_code == 2
    assert "invalid configuration: TELLER_PORT: Input should be a valid integer" in result.stderr


def test_eval_reports_accuracy_confusions_and_out_of_scope(tiny_settings, tmp_path: Path) -> None:
    data = tmp_path / "labelled.csv"
    data.write_text("text,category\nmy card never showed up,card_arrival\n"
                    "I think my card was stolen,lost_or_stolen_card\nhey there,greet\n"
                    "see you,goodbye\nsomeone took my wallet and card,lost_or_stolen_card\n")
    oos = tmp_path / "oos.csv"
    oos.write_text("text\nwhat is the capital of Peru\nbest pizza in town\nwill it snow today\n")
    out = tmp_path / "report"
    result = runner.invoke(app, [*args(tiny_settings, "eval"), "--data", str(data),
                                 "--oos", str(oos), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["messages"] == 5
    assert report["accuracy"] == 1.0
    assert report["macro_f1"] == 1.0
    assert report["most_confused"] == []
    scope = report["out_of_scope"]
    assert scope["out_of_scope_messages"] == 3 and scope["in_scope_messages"] == 5
    assert scope["auroc"] == 1.0 and scope["oos_recall"] == 1.0
    assert scope["accuracy_loss_points"] == 0.0
    assert sorted(p.name for p in out.iterdir()) == [
        "confusion.png", "reliability.png", "report.json"
    ]
    assert json.loads((out / "report.json").read_text())["accuracy"] == 1.0


def test_eval_prints_one_table_over_several_files(tiny_settings, tmp_path: Path) -> None:
    casual = tmp_path / "casual.csv"
    casual.write_text("text,category\ncard not here yet??,card_arrival\nlost my card,"
                      "lost_or_stolen_card\nbest pizza dough,out_of_scope\n")
    formal = tmp_path / "formal.csv"
    formal.write_text("text,category\nI write to report that my card has been stolen.,"
                      "lost_or_stolen_card\n")
    oos = tmp_path / "oos.csv"
    oos.write_text("text\nwhat is the capital of Peru\nwill it snow today\n")
    result = runner.invoke(app, [*args(tiny_settings, "eval"), "--data", str(casual),
                                 "--data", str(formal), "--oos", str(oos),
                                 "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    header, _, row = result.stdout.splitlines()[:3]
    assert header.startswith("| model | ") and "casual right (2)" in header
    assert "formal right (1)" in header and "oos out-of-scope recall (2)" in header
    assert row.startswith("| finetuned-cosine-v2 | 100.0% | 0.0% | 100.0% |")
    saved = json.loads((tmp_path / "report" / "understanding.json").read_text())
    assert [s["source"] for s in saved] == [f"{tmp_path.name}/casual",
                                            f"{tmp_path.name}/formal", f"{tmp_path.name}/oos"]


def test_eval_says_when_it_must_train_the_model_first(tmp_path: Path, tiny_kb_dir: Path,
                                                      monkeypatch) -> None:
    """An eval on a model older than the KB measures a model it trains itself; it says so
    rather than passing the new model's figures off as the stored one's."""
    monkeypatch.setenv("TELLER_INTENT_MODEL", "embedding-head")
    data = tmp_path / "labelled.csv"
    data.write_text("text,category\nmy card never showed up,card_arrival\n")
    command = ["eval", "--data", str(data), "--kb", str(tiny_kb_dir),
               "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "report")]
    first = runner.invoke(app, command)
    assert first.exit_code == 0, first.output
    assert "is missing or was trained for another knowledge base" in first.stderr
    again = runner.invoke(app, command)
    assert again.exit_code == 0 and "note:" not in again.stderr
    intents = tiny_kb_dir / "intents.yaml"
    intents.write_text(intents.read_text().replace("card never arrived,",
                                                   "card never arrived, no card yet,"))
    changed = runner.invoke(app, command)
    assert changed.exit_code == 0 and "trained for another knowledge base" in changed.stderr


def test_eval_refuses_a_broken_file(tiny_settings, tmp_path: Path) -> None:
    data = tmp_path / "broken.csv"
    data.write_text("utterance,category\nhi,greet\n")
    result = runner.invoke(app, [*args(tiny_settings, "eval"), "--data", str(data)])
    assert result.exit_code == 2
    assert "broken.csv: no 'text' column (found: utterance, category)" in result.stderr
