"""Knowledge-base edits from the admin pages: validated as a whole, comments kept, atomic."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.kb import load_knowledge_base
from bot.kb.editor import ADDED_FILE, FaqDraft, KbEditor
from bot.kb.loader import KnowledgeBaseError


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in folder.iterdir() if p.is_file()}


def test_editing_an_entry_keeps_the_files_comments(tiny_kb_dir: Path) -> None:
    faq_file = tiny_kb_dir / "faq.yaml"
    faq_file.write_text("# Written by the cards team\n" + faq_file.read_text())
    editor = KbEditor(tiny_kb_dir)
    entry = load_knowledge_base(tiny_kb_dir).faq["card-arrival"]
    knowledge = editor.save_faq(
        FaqDraft(id="card-arrival", category=entry.category, intent=entry.intent,
                 questions=list(entry.questions), answer="Cards now take 2 working days."),
        replacing="card-arrival")
    assert knowledge.faq["card-arrival"].answer == "Cards now take 2 working days."
    text = faq_file.read_text()
    assert text.startswith("# Written by the cards team") and "2 working days" in text
    assert load_knowledge_base(tiny_kb_dir).faq["card-arrival"].answer.startswith("Cards now")


def test_new_entries_go_to_their_own_file(tiny_kb_dir: Path) -> None:
    KbEditor(tiny_kb_dir).save_faq(FaqDraft(id="weekend-support", category="general",
                                            questions=["When are you open?"],
                                            answer="Always, in the app."))
    assert "weekend-support" in (tiny_kb_dir / ADDED_FILE).read_text()
    assert "weekend-support" in load_knowledge_base(tiny_kb_dir).faq


@pytest.mark.parametrize(
    ("draft", "replacing", "problem"),
    [
        (FaqDraft(id="Bad Id", category="x", questions=["q?"], answer="a"), None, "id"),
        (FaqDraft(id="ok-id", category="x", questions=[""], answer="a"), None, "questions"),
        (FaqDraft(id="ok-id", category="x", questions=["q?"], answer="a", intent="nope"), None,
         "nope"),
        (FaqDraft(id="find-iban", category="x", questions=["q?"], answer="a"), None,
         "find-iban"),
        (FaqDraft(id="x-y", category="x", questions=["q?"], answer="a"), "missing-entry",
         "no such FAQ entry"),
    ],
)
def test_an_invalid_edit_is_refused_and_nothing_is_written(
    tiny_kb_dir: Path, draft: FaqDraft, replacing: str | None, problem: str
) -> None:
    before = snapshot(tiny_kb_dir)
    with pytest.raises(KnowledgeBaseError) as refused:
        KbEditor(tiny_kb_dir).save_faq(draft, replacing)
    assert problem in str(refused.value)
    assert snapshot(tiny_kb_dir) == before


def test_intent_examples_are_replaced_and_checked(tiny_kb_dir: Path) -> None:
    editor = KbEditor(tiny_kb_dir)
    knowledge = editor.save_examples("greet", ["hi there", "", "good morning"])
    assert knowledge.intents["greet"].examples == ["hi there", "good morning"]
    before = snapshot(tiny_kb_dir)
    with pytest.raises(KnowledgeBaseError):
        editor.save_examples("greet", ["", "  "])  # an intent needs an example
    assert snapshot(tiny_kb_dir) == before
