"""One table over several evaluation sets (`teller eval --data A --data B`)."""

import csv
import json
from pathlib import Path

from bot.nlu.recognizer import load_recognizer
from training.understanding import render_table, score_source, source_name


def write_set(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        writer.writerows(rows)
    return path


def test_a_labelled_set_with_messages_to_decline(tiny_settings, encoder, tmp_path) -> None:
    recognizer = load_recognizer(tiny_settings.model_dir, encoder)
    path = write_set(tmp_path / "style" / "casual.csv", [
        ("card still not here??", "card_arrival"),
        ("lost my card on the bus", "lost_or_stolen_card"),
        ("hiya", "greet"),
        ("what's the euro rate", "exchange_rate"),  # not a label of the tiny model
        ("best pizza dough recipe", "out_of_scope"),
        ("will it rain in Leeds tomorrow", "out_of_scope"),
    ])
    score = score_source(recognizer, path)
    assert score.source == "style/casual"
    assert (score.in_scope, score.out_of_scope, score.unknown_labels) == (3, 2, 1)
    assert score.accuracy == 1.0
    assert score.false_rejection == 0.0
    assert score.oos_recall == 1.0 and score.auroc == 1.0

    table = render_table([("tiny", [score])]).splitlines()
    assert table[0] == ("| model | style/casual right (3) | style/casual flagged out of scope "
                        "| style/casual out-of-scope recall (2) | style/casual AUROC |")
    assert table[2] == "| tiny | 100.0% | 0.0% | 100.0% | 1.0000 |"
    assert "1 rows with labels the model does not know" in table[3]


def test_clinc_is_scored_on_its_banking_and_oos_test_rows(tiny_settings, encoder,
                                                          tmp_path) -> None:
    folder = tmp_path / "clinc150"
    folder.mkdir()
    (folder / "domains.json").write_text(json.dumps(
        {"banking": ["balance"], "credit_cards": ["new_card"], "travel": ["book_flight"]}))
    (folder / "data_full.json").write_text(json.dumps({
        "test": [["has my new card been sent out", "new_card"],
                 ["book a flight to rome", "book_flight"]],
        "oos_test": [["how do I make sourdough bread", "oos"],
                     ["who won the football last night", "oos"]],
    }))
    recognizer = load_recognizer(tiny_settings.model_dir, encoder)
    score = score_source(recognizer, folder / "data_full.json")
    assert source_name(folder / "data_full.json") == "clinc150" == score.source
    assert (score.in_scope, score.out_of_scope, score.accuracy) == (1, 2, None)
    assert score.oos_recall == 1.0 and score.false_rejection == 0.0
    assert "clinc150 in-scope flagged (1)" in render_table([("tiny", [score])])
