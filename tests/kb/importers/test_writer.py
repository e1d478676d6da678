"""`teller init` and the import writer: ids from source and heading, re-imports that change
exactly what changed, drafts, and nothing written when anything is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.errors import TellerError
from bot.kb import load_knowledge_base
from bot.kb.importers import UnreadableSource, import_paths
from bot.kb.importers.base import (
    Citation,
    ImportedIntent,
    ImportedPassage,
    ImportedQuestion,
    ReadResult,
)
from bot.kb.importers.drafts import (
    draft_item_yaml,
    drop_draft,
    list_drafts,
    publish_draft,
    save_draft_item,
)
from bot.kb.importers.writer import import_results, split_passage
from bot.kb.loader import KnowledgeBaseError
from bot.kb.starter import init_knowledge_base
from knowledge_base import BUILTIN_OUT_OF_SCOPE_CORPORA

FEES = "fee-schedule.pdf"


def fee_schedule(usd_fee: str = "EUR 4 per payment", with_statements: bool = True,
                 with_overdraft: bool = False) -> ReadResult:
    """What a reader makes of a fee schedule: a table, prose, a question."""
    rows = [f"International transfer in USD: {usd_fee}",
            "International transfer in GBP: EUR 3 per payment",
            "Card replacement: EUR 7"]
    if with_statements:
        rows.append("Paper statement: EUR 2 per statement")
    passages = [
        ImportedPassage("\n".join(rows), Citation("Fee schedule 2026", FEES,
                                                  "International payments", 2)),
        ImportedPassage("Your current account has no monthly fee. Fees are taken on the "
                        "first working day of the month.",
                        Citation("Fee schedule 2026", FEES, "Account fees", 1)),
    ]
    questions = [ImportedQuestion("Can I get a refund of a fee?",
                                  "Yes, within 8 weeks if the fee was charged in error.",
                                  Citation("Fee schedule 2026", FEES, "Refunds", 3))]
    if with_overdraft:
        questions.append(ImportedQuestion("What does an overdraft cost?",
                                          "9.9% a year on the amount overdrawn.",
                                          Citation("Fee schedule 2026", FEES, "Overdraft", 3)))
    return ReadResult(FEES, "Fee schedule 2026", questions=questions, passages=passages)


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    init_knowledge_base(folder, "Brightwater Bank")
    return folder


def run_import(kb_dir: Path, *results: ReadResult, publish: bool = True):
    return import_results(kb_dir, [(r, None) for r in results], publish, None,
                          lambda: load_knowledge_base(kb_dir))


def test_init_has_the_conversation_basics_and_no_bank_facts(kb_dir: Path) -> None:
    kb = load_knowledge_base(kb_dir)
    assert kb.metadata.bank_name == "Brightwater Bank"
    assert {"greet", "thanks", "goodbye", "affirm", "deny", "help", "restart",
            "bot_challenge", "human_handoff"} <= set(kb.intents)
    assert kb.out_of_scope_examples and not kb.faq and not kb.passages and not kb.forms
    # From its first day it declines what no bank answers (CLINC150's rows, shipped).
    assert kb.metadata.out_of_scope_corpora == ["clinc150"]
    assert kb.out_of_scope_corpora == (BUILTIN_OUT_OF_SCOPE_CORPORA["clinc150"].resolve(),)
    everything = "\n".join(p.read_text() for p in kb_dir.iterdir()).casefold()
    assert "lumen" not in everything and "+353" not in everything
    with pytest.raises(TellerError, match="already exists and is not an empty folder"):
        init_knowledge_base(kb_dir, "Other Bank")


def test_import_publishes_cited_items_with_ids_from_source_and_heading(kb_dir: Path) -> None:
    report, kb = run_import(kb_dir, fee_schedule())
    assert kb is not None
    assert report.written == ["imported-fee-schedule-pdf.yaml"]
    table = kb.passages["fee-schedule-international-payments-p2"]
    assert "International transfer in USD: EUR 4 per payment" in table.text
    assert (table.source.document, table.source.file, table.source.page) == (
        "Fee schedule 2026", FEES, 2)
    assert table.source.citation() == "Fee schedule 2026, International payments, page 2"
    refund = kb.faq["fee-schedule-can-i-get-a-refund-of-a-fee"]
    assert refund.source is not None and refund.source.page == 3
    assert report.sources[0].counts["passages"] == 2
    assert "published" in report.render()


def test_importing_the_same_file_twice_changes_nothing(kb_dir: Path) -> None:
    run_import(kb_dir, fee_schedule())
    before = (kb_dir / "imported-fee-schedule-pdf.yaml").read_bytes()
    report, kb = run_import(kb_dir, fee_schedule())
    assert kb is None and report.written == []
    assert (kb_dir / "imported-fee-schedule-pdf.yaml").read_bytes() == before
    assert "Nothing changed" in report.render()
    assert not report.sources[0].changed


def test_an_edited_file_changes_exactly_the_edited_items(kb_dir: Path) -> None:
    run_import(kb_dir, fee_schedule())
    ids_before = set(load_knowledge_base(kb_dir).passages)
    report, kb = run_import(kb_dir, fee_schedule(usd_fee="EUR 5 per payment",
                                                 with_overdraft=True))
    assert kb is not None
    changes = report.sources[0].changes
    assert changes["changed"] == ["passage:fee-schedule-international-payments-p2"]
    assert changes["added"] == ["faq:fee-schedule-what-does-an-overdraft-cost"]
    assert changes["removed"] == []
    assert "passage:fee-schedule-account-fees-p1" in changes["unchanged"]
    assert set(kb.passages) == ids_before  # same ids: updated, not duplicated
    assert "EUR 5 per payment" in kb.passages["fee-schedule-international-payments-p2"].text

    report, kb = run_import(kb_dir, fee_schedule(usd_fee="EUR 5 per payment"))
    assert report.sources[0].changes["removed"] == ["faq:fee-schedule-what-does-an-overdraft-cost"]
    assert kb is not None and "fee-schedule-what-does-an-overdraft-cost" not in kb.faq


def test_drafts_wait_for_review_then_publish_or_drop(kb_dir: Path) -> None:
    report, _ = run_import(kb_dir, fee_schedule(), publish=False)
    assert report.sources[0].draft
    assert (kb_dir / "imported-fee-schedule-pdf.draft.yaml").is_file()
    assert not load_knowledge_base(kb_dir).passages  # not served yet
    (draft,) = list_drafts(kb_dir)
    assert draft.source == FEES
    assert "passage:fee-schedule-international-payments-p2" in draft.items
    assert len(draft.changes["added"]) == 3

    drop_draft(kb_dir, FEES, None, item="faq:fee-schedule-can-i-get-a-refund-of-a-fee")
    with pytest.raises(KnowledgeBaseError, match="no such item"):
        drop_draft(kb_dir, FEES, None, item="faq:nothing-like-this")
    kb = publish_draft(kb_dir, FEES, None)
    assert len(kb.passages) == 2 and not kb.faq
    assert not list_drafts(kb_dir)

    run_import(kb_dir, fee_schedule(usd_fee="EUR 6"), publish=False)
    drop_draft(kb_dir, FEES, None)
    assert "EUR 4" in load_knowledge_base(kb_dir).passages[
        "fee-schedule-international-payments-p2"].text
    with pytest.raises(KnowledgeBaseError, match="no such draft"):
        publish_draft(kb_dir, FEES, None)


def test_imported_intents_become_intents_with_responses(kb_dir: Path) -> None:
    bot = ReadResult("rasa_project", "Rasa project", intents=[
        ImportedIntent("ask_opening_hours", ("when are you open", "opening hours?"),
                       ("Branches open 9:30 to 16:30, Monday to Friday.",)),
        ImportedIntent("greet", ("hello there bot",), ("Hi!",)),  # Teller's own
        ImportedIntent("check_balance", ("what's my balance",), ()),  # custom action
        ImportedIntent("thanks_a_lot", ("thanks a lot for that",), ("You're welcome",)),
    ], out_of_scope=["what's the weather in Cork"])
    report, kb = run_import(kb_dir, bot)
    assert kb is not None
    assert kb.response_by_intent["ask_opening_hours"].text == [
        "Branches open 9:30 to 16:30, Monday to Friday."]
    assert "check_balance" not in kb.intents
    skipped = "\n".join(report.sources[0].skipped)
    assert "intent 'greet': the knowledge base already has" in skipped
    # an example the starter KB already has for `thanks` is not taken twice
    assert "'thanks a lot for that' is already an example of 'thanks'" in skipped
    assert "what's the weather in Cork" in kb.out_of_scope_examples
    assert report.intents_changed


def test_one_unreadable_source_writes_nothing(kb_dir: Path, tmp_path: Path) -> None:
    faqs = tmp_path / "faqs.csv"
    faqs.write_text("Question,Answer\nCan I open a joint account?,Yes, in the app.\n",
                    encoding="utf-8")
    old = tmp_path / "terms.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0 old word file")
    before = sorted(p.name for p in kb_dir.iterdir())
    with pytest.raises(UnreadableSource, match=r"terms.doc: \.doc files cannot be imported"):
        import_paths(kb_dir, [faqs, old], True, None, lambda: load_knowledge_base(kb_dir))
    assert sorted(p.name for p in kb_dir.iterdir()) == before
    with pytest.raises(UnreadableSource, match="no such file or folder"):
        import_paths(kb_dir, [tmp_path / "missing.pdf"], True, None,
                     lambda: load_knowledge_base(kb_dir))


def test_long_sections_are_cut_at_sentence_or_row_boundaries() -> None:
    sentence = "Interest is paid monthly on the full balance of the account. "
    pieces = split_passage(sentence * 80)
    assert len(pieces) >= 2
    assert all(len(piece.split()) <= 300 for piece in pieces)
    assert all(piece.endswith("account.") for piece in pieces)
    rows = "\n".join(f"Service {n}: EUR {n}" for n in range(200))
    assert all("\n" in piece for piece in split_passage(rows))


def test_the_written_file_says_where_it_came_from(kb_dir: Path) -> None:
    run_import(kb_dir, fee_schedule())
    text = (kb_dir / "imported-fee-schedule-pdf.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Imported by `teller import` from fee-schedule.pdf")
    assert yaml.safe_load(text)["imported_from"] == {"source": FEES,
                                                     "title": "Fee schedule 2026"}


def test_a_draft_item_is_edited_before_publishing(kb_dir: Path) -> None:
    run_import(kb_dir, fee_schedule(), publish=False)
    item = "faq:fee-schedule-can-i-get-a-refund-of-a-fee"
    shown = draft_item_yaml(kb_dir, FEES, item)
    assert shown.startswith("faq:\n- id: fee-schedule-can-i-get-a-refund-of-a-fee")
    draft = kb_dir / "imported-fee-schedule-pdf.draft.yaml"
    before = draft.read_text(encoding="utf-8")

    with pytest.raises(KnowledgeBaseError, match="YAML syntax error at line"):
        save_draft_item(kb_dir, FEES, item, "faq:\n- id: x\n  answer: [unclosed\n", None)
    with pytest.raises(KnowledgeBaseError, match="String should match pattern"):
        save_draft_item(kb_dir, FEES, item, shown.replace(
            "id: fee-schedule-can-i-get-a-refund-of-a-fee", "id: Not An Id"), None)
    assert draft.read_text(encoding="utf-8") == before  # refused edits write nothing

    edited = shown.replace("within 8 weeks", "within 10 weeks")
    save_draft_item(kb_dir, FEES, item, edited, None)
    kb = publish_draft(kb_dir, FEES, None)
    assert kb.faq["fee-schedule-can-i-get-a-refund-of-a-fee"].answer == (
        "Yes, within 10 weeks if the fee was charged in error.")
