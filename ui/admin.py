"""The bank team's admin pages (mounted at /admin behind a login, see ui/mount.py):
dashboard, review queue, FAQ and intent editing, retraining and model versions.

Edits go through `bot.kb.editor.KbEditor`, which validates the whole knowledge base before
writing; a refused edit shows the validator's problems and saves nothing.
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr
import pandas as pd

from bot.config import Settings
from bot.dialogue.review import LogExampleStore, ReviewService, Suggestion
from bot.errors import TellerError
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

    log_examples = (LogExampleStore(settings.resolved_database_url)
                    if engine is not None else None)

    def review_service() -> ReviewService | None:
        if log_examples is None:
            return None
        classifier = assistant.components.classifier

        def suggest(texts: list[str]) -> list[list[Suggestion]]:
            return [[Suggestion(s.name, round(s.confidence, 3)) for s in p.ranking]
                    for p in classifier.predict_many(texts, top_k=3)]

        return ReviewService(log_examples, assistant.kb, suggest,
                             assistant.components.encoder.encode)

    review_columns = ["id", "message", "why", "seen", "suggestions", "new FAQ?"]

    def review_table() -> pd.DataFrame:
        """Bring in the server's newest review items, then rank the whole queue."""
        service = review_service()
        if service is None or log_examples is None:
            return pd.DataFrame(columns=review_columns)
        log_examples.add(log_examples.teller_review_records(), set(assistant.kb.intents))
        log_examples.mark_review_items_ingested()
        return pd.DataFrame(
            [{"id": item.id, "message": item.text, "why": item.reason or "",
              "seen": item.seen,
              "suggestions": ", ".join(f"{s.intent} {s.confidence:.0%}"
                                       for s in item.suggestions),
              "new FAQ?": "yes" if item.suggests_new_faq else ""}
             for item in service.queue(limit=100)],
            columns=review_columns)

    def label_choices() -> list[str]:
        return [*sorted(assistant.kb.intents),
                *(f"faq:{entry_id}" for entry_id in sorted(assistant.kb.faq))]

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
                gr.Markdown("Messages to teach the assistant, most useful first: uncertain, "
                            "frequent, and similar to other unanswered ones (\"new FAQ?\"). "
                            "Personal data is already masked. Give each the right intent or "
                            "FAQ entry, or dismiss it; the next retrain learns from them.")
                queue = gr.Dataframe(value=review_table, interactive=False, wrap=True,
                                     elem_id="review-table", label="Open review items")
                with gr.Row():
                    item_id = gr.Number(label="Item id", precision=0, minimum=1,
                                        elem_id="review-item")
                    target = gr.Dropdown(label_choices(), label="Right intent or FAQ entry",
                                         elem_id="review-label", scale=3)
                with gr.Row():
                    assign = gr.Button("Assign", variant="primary", elem_id="review-assign")
                    dismiss = gr.Button("Dismiss (not worth learning)")
                    gr.Button("Refresh", size="sm").click(review_table, None, queue)
                review_status = gr.HTML(elem_id="review-status")

                def assign_label(number: float | None, choice: str | None) -> tuple[Any, Any]:
                    service = review_service()
                    if service is None or number is None or not choice:
                        return _message("Choose an item id and a label.", ok=False), gr.update()
                    try:
                        if choice.startswith("faq:"):
                            intent_name = service.label(int(number), faq=choice[4:])
                        else:
                            intent_name = service.label(int(number), intent=choice)
                    except TellerError as exc:
                        return _message(str(exc), ok=False), gr.update()
                    return (_message(f"Item {int(number)} labelled {intent_name}.", ok=True),
                            review_table())

                def dismiss_item(number: float | None) -> tuple[Any, Any]:
                    if log_examples is None or number is None:
                        return _message("Choose an item id.", ok=False), gr.update()
                    try:
                        log_examples.set_status(int(number), "dismissed")
                    except TellerError as exc:
                        return _message(str(exc), ok=False), gr.update()
                    return _message(f"Item {int(number)} dismissed.", ok=True), review_table()

                assign.click(assign_label, [item_id, target], [review_status, queue])
                dismiss.click(dismiss_item, item_id, [review_status, queue])

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
                               new_answer):
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

            with gr.Tab("Models", id="models"):
                build_models_tab(assistant, settings)
    return admin


def _versions_table(settings: Settings) -> pd.DataFrame:
    from training.registry import ModelRegistry

    registry = ModelRegistry(settings)
    current = registry.current()
    rows = []
    for info in registry.versions():
        accuracy = info.metrics.get("accuracy") if isinstance(info.metrics, dict) else None
        rows.append({"version": info.name, "serving": "yes" if info.name == current else "",
                     "status": info.status, "created": info.created_at[:16],
                     "held-out accuracy": accuracy, "why": "; ".join(info.reasons)})
    return pd.DataFrame(rows, columns=["version", "serving", "status", "created",
                                       "held-out accuracy", "why"])


def report_html(report: Any) -> str:
    """A retraining report as a short readable summary."""
    from training.retrain import Skipped

    if isinstance(report, Skipped):
        return _message(f"Nothing new since version {report.version}: nothing trained.", True)
    current = (f"{report.current.accuracy:.2%}" if report.current is not None else "none")
    delta = (f"{report.overall_delta:+.2%}" if report.overall_delta is not None else "n/a")
    verdict = ("promoted: the assistant now uses it" if report.promoted else
               "kept, not promoted: " + "; ".join(report.decision.reasons))
    worst = sorted(report.per_intent_delta.items(), key=lambda kv: kv[1])[:5]
    worse = "".join(f"<li>{html.escape(name)}: {d:+.1%}</li>" for name, d in worst if d < 0)
    confusions = "".join(f"<li>{html.escape(pair)}: {n}</li>"
                         for pair, n in list(report.new_confusions.items())[:5])
    return (f"<div role=status><b>Version {html.escape(report.version)}</b>: "
            f"{html.escape(verdict)}.<br>Held-out accuracy {report.candidate.accuracy:.2%} "
            f"(serving model {current}, change {delta}) on {sum(report.holdout.values())} "
            f"messages; trained in {report.seconds:.0f} s."
            + (f"<br>Intents that got worse:<ul>{worse}</ul>" if worse else "")
            + (f"New confusions:<ul>{confusions}</ul>" if confusions else "") + "</div>")


def build_models_tab(assistant: Assistant, settings: Settings) -> None:
    from training.registry import ModelRegistry

    gr.Markdown("Retrain on the knowledge base and the reviewed messages. The candidate is "
                "compared with the serving model on the same held-out messages and promoted "
                "only if it is not worse; the running assistant switches within "
                f"{settings.model_reload_seconds:g} s. Retraining runs in this server and "
                "uses its CPU for minutes; schedulers can run `teller cycle` elsewhere.")
    versions = gr.Dataframe(value=lambda: _versions_table(settings), interactive=False,
                            wrap=True, label="Model versions", elem_id="versions-table")
    retrain_button = gr.Button("Retrain now", variant="primary", elem_id="retrain")
    report = gr.HTML(elem_id="retrain-report")
    with gr.Row():
        chosen = gr.Dropdown(label="Version", choices=[], allow_custom_value=True,
                             elem_id="version-choice")
        promote = gr.Button("Promote this version")
        rollback = gr.Button("Roll back to the previous version", elem_id="rollback")

    def run_retrain(progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[Any, Any]:  # noqa: B008
        from training.retrain import retrain

        progress(0, desc="Preparing the training data")
        try:
            result = retrain(settings, assistant.kb, assistant.components.encoder,
                             show_progress=True)
        except TellerError as exc:
            return _message(f"Retraining failed, nothing changed: {exc}", ok=False), gr.update()
        return report_html(result), _versions_table(settings)

    def do_promote(name: str | None) -> tuple[Any, Any]:
        if not name:
            return _message("Choose a version.", ok=False), gr.update()
        try:
            ModelRegistry(settings).promote(name)
        except TellerError as exc:
            return _message(str(exc), ok=False), gr.update()
        return _message(f"Version {name} promoted.", ok=True), _versions_table(settings)

    def do_rollback() -> tuple[Any, Any]:
        try:
            name = ModelRegistry(settings).rollback()
        except TellerError as exc:
            return _message(str(exc), ok=False), gr.update()
        return _message(f"Rolled back to {name}.", ok=True), _versions_table(settings)

    def version_names() -> Any:
        return gr.update(choices=[v.name for v in ModelRegistry(settings).versions()])

    retrain_button.click(run_retrain, None, [report, versions])
    promote.click(do_promote, chosen, [report, versions])
    rollback.click(do_rollback, None, [report, versions])
    versions.change(version_names, None, chosen)
