from pathlib import Path

import pytest

from bot.errors import TrainingDataError
from training.data import LabelledExample, deduplicate, file_examples, kb_examples


def test_reads_banking77_style_csv_and_jsonl(tmp_path: Path) -> None:
    csv_file = tmp_path / "extra.csv"
    csv_file.write_text('text,category\n"Card  still not here",card_arrival\nlost it,lost\n')
    assert file_examples(csv_file) == [
        LabelledExample("Card still not here", "card_arrival", "extra.csv"),
        LabelledExample("lost it", "lost", "extra.csv"),
    ]
    jsonl = tmp_path / "logs.jsonl"
    jsonl.write_text('{"text": "hi", "intent": "greet"}\n\n{"text": "bye", "intent": "goodbye"}\n')
    assert [e.label for e in file_examples(jsonl)] == ["greet", "goodbye"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "extra.csv: file is empty"),
        (b"text,category\n", "extra.csv: no rows after the header"),
        (b"message,category\nhi,greet\n", "extra.csv: no 'text' column (found: message, category)"),
        (b"text,topic\nhi,greet\n", "extra.csv: no label column; expected one of category, "
                                    "intent, label beside 'text' (found: text, topic)"),
        (b"text,category\nhi,greet\n,greet\n", "extra.csv: row 3: empty 'text'"),
        (b"text,category\nhi,greet\ncaf\xe9,greet\n", "extra.csv: not UTF-8 (line 3)"),
        (b"text,category\nhi,greet\nfly me to the moon,travel\n",
         "extra.csv: row 3: label 'travel' is not an intent of the knowledge base"),
    ],
)
def test_bad_files_name_file_and_row(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "extra.csv"
    path.write_bytes(content)
    with pytest.raises(TrainingDataError) as caught:
        file_examples(path, known_labels={"greet"})
    assert str(caught.value).startswith(f"{tmp_path}/{message}")


def test_kb_examples_and_deduplicate(tiny_kb) -> None:
    examples = kb_examples(tiny_kb)
    assert len(examples) == 36
    assert examples[0] == LabelledExample("hello", "greet", "kb")
    doubled = [*examples, LabelledExample("HELLO", "greet", "x.csv")]
    assert deduplicate(doubled) == examples


def test_hub_source_fails_offline_with_a_clear_message() -> None:
    with pytest.raises(TrainingDataError) as caught:
        file_examples(Path("hub:PolyAI/banking77:train"))
    message = str(caught.value)
    assert message.startswith("hub:PolyAI/banking77:train: could not load 'PolyAI/banking77'")
    assert "pass the dataset as a CSV file" in message
