"""The embedded default KB: coverage the product promises, and no copied benchmark sentences."""

import csv
import json
import re

import pytest

from tests.conftest import SHARED_DATA

REQUIRED_EXTRA = {
    "greet", "goodbye", "thanks", "affirm", "deny", "human_handoff", "bot_challenge", "restart",
    "loan_enquiry", "investment_advice", "report_fraud", "open_account", "account_fees",
    "interest_rates", "contact_details", "opening_hours",
}
BANKING77_NAMES = SHARED_DATA / "banking77" / "categories.json"


def banking77_intents() -> list[str]:
    if not BANKING77_NAMES.exists():
        pytest.skip(f"{BANKING77_NAMES} not available")
    return json.loads(BANKING77_NAMES.read_text())


def test_covers_banking77_with_12_examples_and_an_answer(default_kb) -> None:
    names = banking77_intents()
    assert len(names) == 77
    for name in names:
        intent = default_kb.intents[name]
        assert len(set(intent.examples)) >= 12, name
        assert name in default_kb.faq_by_intent, name


def test_has_assistant_intents_and_150_faq_entries(default_kb) -> None:
    assert set(default_kb.intents) >= REQUIRED_EXTRA
    assert len(set(default_kb.intents) - set(banking77_intents())) >= 15
    assert len(default_kb.faq) >= 150
    for system in ("utter_fallback", "utter_offer_human", "utter_out_of_scope", "utter_clarify"):
        assert system in default_kb.responses
    assert default_kb.metadata.bank_name == "Lumen Bank"
    assert len(set(default_kb.out_of_scope_examples)) >= 200


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", " ".join(text.lower().split())).strip()


def test_no_benchmark_sentence_is_copied(default_kb) -> None:
    """BANKING77 and CLINC150 are for training and measuring: none of their sentences in the KB."""
    if not SHARED_DATA.exists():
        pytest.skip("shared data folder not available")
    benchmark: set[str] = set()
    for name in ("train.csv", "test.csv"):
        with open(SHARED_DATA / "banking77" / name, encoding="utf-8") as handle:
            benchmark.update(_normalise(row["text"]) for row in csv.DictReader(handle))
    clinc = json.loads((SHARED_DATA / "clinc150" / "data_full.json").read_text())
    benchmark.update(_normalise(text) for rows in clinc.values() for text, _ in rows)
    ours = [e for i in default_kb.intents.values() for e in i.examples]
    ours += [q for f in default_kb.faq.values() for q in f.questions]
    ours += default_kb.out_of_scope_examples
    copied = [text for text in ours if _normalise(text) in benchmark]
    assert copied == []
