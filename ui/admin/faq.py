"""The FAQ tab: search the entries, edit one or add one; the assistant answers with it at once.

Edits go through `bot.kb.editor.KbEditor`, which validates the whole knowledge base before
writing: a refused edit shows the validator's problems and saves nothing.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import pandas as pd

from bot.kb import KnowledgeBase
from bot.kb.editor import FaqDraft, KbEditor
from ui.admin.common import ServedKnowledge, message, save_and_serve

NEW_ENTRY = "(new entry)"
COLUMNS = ["id", "category", "intent", "question"]
EntryFields = tuple[str, str, str, str, str]  # id, category, intent, questions, answer


def faq_table(kb: KnowledgeBase, query: str = "") -> pd.DataFrame:
    """The entries whose id, category, questions or answer contain `query` (any case)."""
    query = (query or "").strip().lower()
    rows = [{"id": e.id, "category": e.category, "intent": e.intent or "",
             "question": e.questions[0]}
            for e in kb.faq.values()
            if not query or query in f"{e.id} {e.category} {e.answer} {' '.join(e.questions)}"
            .lower()]
    return pd.DataFrame(rows, columns=COLUMNS)


def entry_fields(kb: KnowledgeBase, entry_id: str | None) -> EntryFields:
    """The form's fields for an entry; blank for a new one."""
    entry = kb.faq.get(entry_id or "")
    if entry is None:
        return "", "", "", "", ""
    return (entry.id, entry.category, entry.intent or "", "\n".join(entry.questions),
            entry.answer)


def build_faq_tab(editor: KbEditor, served: ServedKnowledge) -> None:
    """The tab; saved entries are served at once through `served`."""
    kb = served.kb
    with gr.Tab("FAQ", id="faq"):
        search = gr.Textbox(label="Search FAQ entries", placeholder="card, IBAN...")
        table = gr.Dataframe(value=lambda: faq_table(served.kb), interactive=False, wrap=True,
                             label="FAQ entries", elem_id="faq-table")
        choice = gr.Dropdown([NEW_ENTRY, *sorted(kb.faq)], value=NEW_ENTRY,
                             label="Edit entry", elem_id="faq-choice")
        with gr.Row():
            faq_id = gr.Textbox(label="Id (lower-case-with-dashes)", elem_id="faq-id")
            category = gr.Textbox(label="Category", elem_id="faq-category")
            intent = gr.Dropdown(["", *sorted(kb.intents)], value="",
                                 label="Answers intent (optional)", elem_id="faq-intent")
        questions = gr.Textbox(label="Questions (one per line)", lines=4,
                               elem_id="faq-questions")
        answer = gr.Textbox(label="Answer", lines=5, elem_id="faq-answer")
        save = gr.Button("Save entry", variant="primary", elem_id="faq-save")
        status = gr.HTML(elem_id="faq-status")

    def search_changed(query: str) -> pd.DataFrame:
        return faq_table(served.kb, query)

    def choice_changed(entry_id: str) -> EntryFields:
        return entry_fields(served.kb, entry_id)

    def save_clicked(entry_id: str | None, new_id: str | None, new_category: str | None,
                     new_intent: str | None, new_questions: str | None,
                     new_answer: str | None) -> tuple[str, Any, Any]:
        draft = FaqDraft(id=new_id or "", category=new_category or "",
                         questions=(new_questions or "").splitlines(), answer=new_answer or "",
                         intent=new_intent or None)
        replacing = None if entry_id in (None, NEW_ENTRY) else entry_id
        knowledge, refused = save_and_serve(lambda: editor.save_faq(draft, replacing), served)
        if knowledge is None:
            return refused or "", gr.update(), gr.update()
        return (message(f"Saved FAQ entry {draft.id}; the assistant answers with it now.",
                        ok=True),
                faq_table(knowledge),
                gr.update(choices=[NEW_ENTRY, *sorted(knowledge.faq)], value=draft.id))

    search.change(search_changed, search, table)
    choice.change(choice_changed, choice, [faq_id, category, intent, questions, answer])
    save.click(save_clicked, [choice, faq_id, category, intent, questions, answer],
               [status, table, choice])
