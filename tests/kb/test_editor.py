"""Knowledge-base edits from the admin pages: validated as a whole, comments kept, atomic."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.kb import load_knowledge_base
from bot.kb.editor import ADDED_FILE, FaqDraft, KbEditor
from bot.kb.loader import KbProblem, KnowledgeBaseError


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


def refusal(folder: Path, problem: KbProblem) -> str:
    return f"knowledge base {folder} is invalid (1 problem(s)):\n  - {problem}"


@pytest.mark.parametrize(
    ("draft", "replacing", "file", "entry", "field", "message"),
    [
        (FaqDraft(id="Bad Id", category="x", questions=["q?"], answer="a"), None,
         ADDED_FILE, "faq[0] 'Bad Id'", "id", "String should match pattern"),
        (FaqDraft(id="ok-id", category="x", questions=[""], answer="a"), None,
         ADDED_FILE, "faq[0] 'ok-id'", "questions", "List should have at least 1 item"),
        (FaqDraft(id="ok-id", category="x", questions=["q?"], answer="a", intent="nope"), None,
         ADDED_FILE, "FAQ entry 'ok-id'", "intent", "no intent named 'nope'"),
        (FaqDraft(id="find-iban", category="x", questions=["q?"], answer="a"), None,
         "faq.yaml", "FAQ entry 'find-iban'", "id", f"duplicate; also in {ADDED_FILE}"),
        (FaqDraft(id="x-y", category="x", questions=["q?"], answer="a"), "missing-entry",
         "", "faq missing-entry", "id", "no such FAQ entry; reload the list"),
    ],
)
def test_an_invalid_edit_is_refused_and_nothing_is_written(
    tiny_kb_dir: Path, draft: FaqDraft, replacing: str | None, file: str, entry: str,
    field: str, message: str,
) -> None:
    before = snapshot(tiny_kb_dir)
    with pytest.raises(KnowledgeBaseError) as refused:
        KbEditor(tiny_kb_dir).save_faq(draft, replacing)
    [problem] = refused.value.problems
    assert (problem.file, problem.entry, problem.field) == (file, entry, field)
    assert problem.message.startswith(message)
    assert str(refused.value) == refusal(tiny_kb_dir, problem)  # the KB's folder, not a copy
    assert snapshot(tiny_kb_dir) == before


def test_intent_examples_are_replaced_and_checked(tiny_kb_dir: Path) -> None:
    editor = KbEditor(tiny_kb_dir)
    knowledge = editor.save_examples("greet", ["hi there", "", "good morning"])
    assert knowledge.intents["greet"].examples == ["hi there", "good morning"]
    before = snapshot(tiny_kb_dir)
    with pytest.raises(KnowledgeBaseError) as refused:
        editor.save_examples("greet", ["", "  "])  # an intent needs an example
    problem = refused.value.problems[0]
    assert (problem.file, problem.entry, problem.field) == (
        "intents.yaml", "intents[0] 'greet'", "examples")
    assert problem.message.startswith("List should have at least 1 item")
    assert str(refused.value).startswith(f"knowledge base {tiny_kb_dir} is invalid")
    assert snapshot(tiny_kb_dir) == before


def test_examples_of_an_unknown_intent_are_refused(tiny_kb_dir: Path) -> None:
    before = snapshot(tiny_kb_dir)
    with pytest.raises(KnowledgeBaseError) as refused:
        KbEditor(tiny_kb_dir).save_examples("no_such_intent", ["hello"])
    assert refused.value.problems == [KbProblem("", "intent no_such_intent", "name",
                                                "no such intent; reload the list")]
    assert snapshot(tiny_kb_dir) == before
