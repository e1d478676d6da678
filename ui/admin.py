"""The bank team's admin pages (mounted at /admin behind a login, see ui/mount.py):
dashboard, review queue, FAQ and intent editing.

Edits go through `bot.kb.editor.KbEditor`, which validates the whole knowledge base before
writing; a refused edit shows the validator's problems and saves nothing.
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr
import pandas as pd

from bot.config import Settings
from bot.kb.editor import FaqDraft, KbEditor
from bot.kb.loader import KnowledgeBaseError
from bot.pipeline import Assistant
from bot.storage.analytics import dashboard
from bot.storage.sessions import SqlSessionStore

NEW_ENTRY = "(new entry)"


def _message(text: str, ok: bool) -> str:
    role = "status" if ok else "alert"
    color = "#1b6e3a" if ok else "#a4262c"
    return f'<div role="{role}" style="color:{color}">{html.escape(text)}</div>'


def _problems(exc: KnowledgeBaseError) -> str:
    items = "".join(f"<li>{html.escape(str(p))}</li>" for p in exc.problems[:20])
    return ('<div role="alert" style="color:#a4262c">Not saved: the knowledge base would be '
            f"invalid.<ul>{items}</ul></div>")


def build_admin_ui(assistant: Assistant, settings: Settings) -> gr.Blocks:
    bank = assistant.kb.metadata.bank_name
    store = assistant.components.dialogue.store
    engine = store.engine if isinstance(store, SqlSessionStore) else None
    editor = KbEditor(settings.kb_dir, settings.bank_name)

    def faq_table(query: str = "") -> pd.DataFrame:
        query = (query or "").strip().lower()
        rows = [
            {"id": e.id, "category": e.category, "intent": e.intent or "",
             "question": e.questions[0]}
            for e in assistant.kb.faq.values()
            if not query or query in f"{e.id} {e.category} {e.answer} {' '.join(e.questions)}"
            .lower()
        ]
        return pd.DataFrame(rows, columns=["id", "category", "intent", "question"])

    def review_table() -> pd.DataFrame:
        items = store.review_items("open", limit=200)
        return pd.DataFrame(
            [{"id": r.id, "reason": r.reason, "message": r.text,
              "model's intent": r.predicted_intent or "",
              "confidence": round(r.confidence, 2) if r.confidence is not None else None,
              "when": r.created_at.strftime("%Y-%m-%d %H:%M")} for r in items],
            columns=["id", "reason", "message", "model's intent", "confidence", "when"])

    def dashboard_view() -> tuple[Any, ...]:
        if engine is None:
            return ("No database: the dashboard needs the SQL store.", None, None, None)
        figures = dashboard(engine)
        percent = (lambda v: "n/a" if v is None else f"{v:.0%}")  # noqa: E731
        up, down = figures.feedback.get("up", 0), figures.feedback.get("down", 0)
        summary = (
            f"**Last {figures.days} days:** {figures.conversations} conversations, "
            f"{figures.turns} messages. **Containment** (no person offered): "
            f"{percent(figures.containment)}. **Fallback rate**: "
            f"{percent(figures.fallback_rate)}. **Feedback**: {up} up, {down} down."
        )
        per_day = pd.DataFrame([{"day": d.isoformat(), "conversations": n}
                                for d, n in figures.conversations_per_day],
                               columns=["day", "conversations"])
        intents = pd.DataFrame([{"intent": name, "messages": n}
                                for name, n in figures.top_intents],
                               columns=["intent", "messages"])
        feedback = pd.DataFrame([{"rating": "up", "count": up}, {"rating": "down",
                                                                 "count": down}])
        return summary, per_day, intents, feedback

    with gr.Blocks(title=f"{bank} assistant: admin") as admin:
        gr.HTML(f'<h2 role="banner">{html.escape(bank)} assistant: admin</h2>',
                elem_id="teller-header")
        with gr.Tabs():
            with gr.Tab("Dashboard", id="dashboard"):
                summary = gr.Markdown(elem_id="admin-summary")
                with gr.Row():
                    per_day = gr.BarPlot(x="day", y="conversations", y_lim=[0, None],
                                         title="Conversations per day", height=260)
                    feedback = gr.BarPlot(x="rating", y="count", y_lim=[0, None],
                                          title="Feedback", height=260)
                intents = gr.BarPlot(x="intent", y="messages", y_lim=[0, None], sort="-y",
                                     x_label_angle=-30, title="Top intents", height=340)
                refresh = gr.Button("Refresh", size="sm")
                outputs = [summary, per_day, intents, feedback]
                refresh.click(dashboard_view, None, outputs)
                admin.load(dashboard_view, None, outputs)

            with gr.Tab("Review queue", id="review"):
                gr.Markdown("Turns to look at: low confidence, fallbacks, out of scope, "
                            "handoffs and thumbs down. Personal data is already masked.")
                queue = gr.Dataframe(value=review_table, interactive=False, wrap=True,
                                     elem_id="review-table", label="Open review items")
                gr.Button("Refresh", size="sm").click(review_table, None, queue)

            with gr.Tab("FAQ", id="faq"):
                search = gr.Textbox(label="Search FAQ entries", placeholder="card, IBAN...")
                table = gr.Dataframe(value=faq_table, interactive=False, wrap=True,
                                     label="FAQ entries", elem_id="faq-table")
                search.change(faq_table, search, table)
                choice = gr.Dropdown([NEW_ENTRY, *sorted(assistant.kb.faq)], value=NEW_ENTRY,
                                     label="Edit entry", elem_id="faq-choice")
                with gr.Row():
                    faq_id = gr.Textbox(label="Id (lower-case-with-dashes)", elem_id="faq-id")
                    category = gr.Textbox(label="Category", elem_id="faq-category")
                    intent = gr.Dropdown(["", *sorted(assistant.kb.intents)], value="",
                                         label="Answers intent (optional)")
                questions = gr.Textbox(label="Questions (one per line)", lines=4,
                                       elem_id="faq-questions")
                answer = gr.Textbox(label="Answer", lines=5, elem_id="faq-answer")
                save = gr.Button("Save entry", variant="primary", elem_id="faq-save")
                faq_status = gr.HTML(elem_id="faq-status")

                def load_entry(entry_id: str) -> tuple[Any, ...]:
                    entry = assistant.kb.faq.get(entry_id)
                    if entry is None:
                        return "", "", "", "", ""
                    return (entry.id, entry.category, entry.intent or "",
                            "\n".join(entry.questions), entry.answer)

                choice.change(load_entry, choice, [faq_id, category, intent, questions, answer])

                def save_entry(entry_id, new_id, new_category, new_intent, new_questions,
                               new_answer):  # type: ignore[no-untyped-def]
                    draft = FaqDraft(id=new_id or "", category=new_category or "",
                                     questions=(new_questions or "").splitlines(),
                                     answer=new_answer or "", intent=new_intent or None)
                    replacing = None if entry_id in (None, NEW_ENTRY) else entry_id
                    try:
                        knowledge = editor.save_faq(draft, replacing)
                        assistant.reload_knowledge_base(knowledge)
                    except KnowledgeBaseError as exc:
                        return _problems(exc), gr.update(), gr.update()
                    return (_message(f"Saved FAQ entry {draft.id}; the assistant answers with "
                                     "it now.", ok=True),
                            faq_table(), gr.update(choices=[NEW_ENTRY, *sorted(knowledge.faq)],
                                                   value=draft.id))

                save.click(save_entry, [choice, faq_id, category, intent, questions, answer],
                           [faq_status, table, choice])

            with gr.Tab("Intents", id="intents"):
                names = sorted(assistant.kb.intents)
                chosen = gr.Dropdown(names, value=names[0] if names else None, label="Intent",
                                     elem_id="intent-choice")
                examples = gr.Textbox(label="Examples (one per line)", lines=12,
                                      elem_id="intent-examples")
                save_examples = gr.Button("Save examples", variant="primary")
                intent_status = gr.HTML()

                def load_examples(name: str) -> str:
                    found = assistant.kb.intents.get(name)
                    return "\n".join(found.examples) if found else ""

                chosen.change(load_examples, chosen, examples)
                admin.load(load_examples, chosen, examples)

                def store_examples(name: str, text: str) -> str:
                    try:
                        knowledge = editor.save_examples(name, (text or "").splitlines())
                        assistant.reload_knowledge_base(knowledge)
                    except KnowledgeBaseError as exc:
                        return _problems(exc)
                    return _message(f"Saved the examples of {name}; the intent model learns "
                                    "them at the next retrain.", ok=True)

                save_examples.click(store_examples, [chosen, examples], intent_status)
    return admin
