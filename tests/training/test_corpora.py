"""Corpora a knowledge base lists in `kb.yaml`: labelled messages to learn intents from
(`training_corpora`) and messages to decline (`out_of_scope_corpora`)."""

import csv
from pathlib import Path

import pytest

from bot.kb import KnowledgeBaseError, load_knowledge_base
from knowledge_base import BUILTIN_CORPORA, BUILTIN_OUT_OF_SCOPE_CORPORA
from tests.conftest import SHARED_DATA
from training.clinc import CLINC_IN_SCOPE_INTENTS, write_scope_csv
from training.data import corpus_examples, training_examples
from training.prepare import _scope_data


def write_corpus(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        writer.writerows(rows)
    return path


def list_corpora(kb_dir: Path, *names: str, setting: str = "training_corpora") -> None:
    meta = kb_dir / "kb.yaml"
    listed = "".join(f"\n  - {name}" for name in names)
    meta.write_text(meta.read_text(encoding="utf-8") + f"{setting}:{listed}\n",
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


def test_default_kb_declines_with_the_shipped_clinc150_rows_and_never_their_test_split(
    default_kb,
) -> None:
    shipped = BUILTIN_OUT_OF_SCOPE_CORPORA["clinc150"]
    assert default_kb.out_of_scope_corpora == (shipped.resolve(),)
    with shipped.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["split"] for row in rows} == {"train", "val"}
    declined = {row["category"] for row in rows if row["scope"] == "out"}
    answered = {row["category"] for row in rows if row["scope"] == "in"}
    assert "oos" in declined and "book_flight" in declined
    # Nothing a bank answers is taught as a message to decline; those rows are the
    # banking messages the detector must let through.
    banking = {"transfer", "balance", "pin_change", "freeze_account", "report_lost_card",
               "credit_limit", "card_declined", "international_fees"}  # CLINC's banking
    assert not declined & (CLINC_IN_SCOPE_INTENTS | banking)
    assert (CLINC_IN_SCOPE_INTENTS | banking) <= answered
    scope = _scope_data(default_kb, [])
    assert (len(scope.out_of_scope), len(scope.out_of_scope_val)) == (9_300, 1_940)
    assert (len(scope.in_scope), len(scope.in_scope_val)) == (4_000, 800)


def test_the_shipped_clinc150_rows_are_what_the_decisions_give(tmp_path: Path) -> None:
    """knowledge_base/corpora/clinc150/scope.csv is regenerated, not edited by hand."""
    data_full = SHARED_DATA / "clinc150" / "data_full.json"
    if not data_full.is_file():
        pytest.skip(f"CLINC150 is not at {data_full}")
    regenerated = tmp_path / "scope.csv"
    assert write_scope_csv(data_full, regenerated) == 16_040
    shipped = BUILTIN_OUT_OF_SCOPE_CORPORA["clinc150"]
    assert regenerated.read_bytes() == shipped.read_bytes()


def test_a_bank_scope_file_is_split_into_references_and_threshold_rows(
    tiny_kb_dir: Path,
) -> None:
    with (tiny_kb_dir / "decline.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "split", "scope"])
        writer.writerows([("best pizza in town", "train", "out"), ("who won the match", "", ""),
                          ("  directions   to the zoo ", "val", "out"),
                          ("can I get a mortgage holiday", "train", "in"),
                          ("is my branch open on saturday", "val", "IN")])
    list_corpora(tiny_kb_dir, "decline.csv", setting="out_of_scope_corpora")
    kb = load_knowledge_base(tiny_kb_dir)
    scope = _scope_data(kb, [])
    assert scope.out_of_scope == ["best pizza in town", "who won the match"]
    assert scope.out_of_scope_val == ["directions to the zoo"]
    assert scope.in_scope == ["can I get a mortgage holiday"]
    assert scope.in_scope_val == ["is my branch open on saturday"]
    before = kb.intents_hash
    (tiny_kb_dir / "decline.csv").write_text("text\nbest pizza in town\n", encoding="utf-8")
    assert load_knowledge_base(tiny_kb_dir).intents_hash != before  # the model is stale


def test_an_unknown_out_of_scope_corpus_names_the_setting_and_what_is_shipped(
    tiny_kb_dir: Path,
) -> None:
    list_corpora(tiny_kb_dir, "clinc151", setting="out_of_scope_corpora")
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(tiny_kb_dir)
    [problem] = [str(p) for p in caught.value.problems]
    assert "out_of_scope_corpora" in problem and "'clinc151'" in problem
    assert "clinc150" in problem


def test_a_scope_value_other_than_in_or_out_is_refused_with_its_row(tmp_path: Path) -> None:
    from bot.errors import TrainingDataError
    from training.scope import corpus_scope_data

    path = tmp_path / "decline.csv"
    path.write_text("text,scope\nbest pizza in town,out\nweather today,maybe\n",
                    encoding="utf-8")
    with pytest.raises(TrainingDataError, match="row 3: 'scope' is 'maybe'; use 'out'"):
        corpus_scope_data(path)
