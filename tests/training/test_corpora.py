"""Training corpora a knowledge base lists in `kb.yaml` (`training_corpora`)."""

import csv
from pathlib import Path

import pytest

from bot.kb import KnowledgeBaseError, load_knowledge_base
from knowledge_base import BUILTIN_CORPORA
from training.data import corpus_examples, training_examples


def write_corpus(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        writer.writerows(rows)
    return path


def list_corpora(kb_dir: Path, *names: str) -> None:
    meta = kb_dir / "kb.yaml"
    listed = "".join(f"\n  - {name}" for name in names)
    meta.write_text(meta.read_text(encoding="utf-8") + f"training_corpora:{listed}\n",
                    encoding="utf-8")


def test_default_kb_learns_from_the_shipped_banking77_training_split(default_kb) -> None:
    assert BUILTIN_CORPORA["banking77"].is_file()
    assert default_kb.corpora == (BUILTIN_CORPORA["banking77"].resolve(),)
    rows = corpus_examples(default_kb)
    assert len(rows) == 10_003  # every BANKING77 label is an intent of the default KB
    assert {e.label for e in rows} <= set(default_kb.intents)
    assert {e.source for e in rows} == {"train.csv"}
    kb_only = sum(len(i.examples) for i in default_kb.intents.values())
    assert len(training_examples(default_kb)) == kb_only + 10_003


def test_a_bank_kb_uses_only_the_rows_of_its_own_intents(tiny_kb_dir: Path) -> None:
    write_corpus(tiny_kb_dir / "chats.csv", [
        ("where on earth is my new card", "card_arrival"),
        ("someone nicked my card on the bus", "lost_or_stolen_card"),
        ("what's the euro rate today", "exchange_rate"),  # not an intent of the tiny KB
    ])
    list_corpora(tiny_kb_dir, "chats.csv", "banking77")
    kb = load_knowledge_base(tiny_kb_dir)
    rows = corpus_examples(kb)
    assert {e.label for e in rows} == {"card_arrival", "lost_or_stolen_card"}
    assert ("what's the euro rate today" not in {e.text for e in rows})
    shipped = [e for e in rows if e.source == "train.csv"]
    assert shipped and {e.label for e in shipped} == {"card_arrival", "lost_or_stolen_card"}


def test_a_changed_corpus_makes_the_trained_model_stale(tiny_kb_dir: Path) -> None:
    before = load_knowledge_base(tiny_kb_dir).intents_hash
    corpus = write_corpus(tiny_kb_dir / "chats.csv", [("card not here yet", "card_arrival")])
    list_corpora(tiny_kb_dir, "chats.csv")
    listed = load_knowledge_base(tiny_kb_dir).intents_hash
    write_corpus(corpus, [("card not here yet", "card_arrival"), ("still no card", "card_arrival")])
    edited = load_knowledge_base(tiny_kb_dir).intents_hash
    assert len({before, listed, edited}) == 3


def test_an_unknown_corpus_is_a_kb_problem_that_says_what_exists(tiny_kb_dir: Path) -> None:
    list_corpora(tiny_kb_dir, "banking78")
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(tiny_kb_dir)
    [problem] = [str(p) for p in caught.value.problems]
    assert "kb.yaml" in problem and "training_corpora" in problem
    assert "'banking78'" in problem and "banking77" in problem
