"""The Review queue tab: chat messages worth teaching the assistant, most useful first.

Showing the queue only reads the database. The server's own review items (thumbs-down and
uncertain answers) join the queue when the admin presses "Bring in new items", the same
step as `teller ingest`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr
import pandas as pd

from bot.dialogue.review import IngestCounts, LogExampleStore, ReviewService
from bot.errors import TellerError
from bot.kb import KnowledgeBase
from bot.payloads import format_target, parse_target
from ui.admin.common import ServedKnowledge, message

COLUMNS = ["id", "message", "why", "seen", "suggestions", "new FAQ?"]
SHOWN = 100
NO_DATABASE = "No database: the review queue needs the SQL store."


def queue_table(service: ReviewService | None) -> pd.DataFrame:
    """The open items, best to label first (reads only)."""
    if service is None:
        return pd.DataFrame(columns=COLUMNS)
    return pd.DataFrame(
        [{"id": item.id, "message": item.text, "why": item.reason or "", "seen": item.seen,
          "suggestions": ", ".join(f"{s.intent} {s.confidence:.0%}" for s in item.suggestions),
          "new FAQ?": "yes" if item.suggests_new_faq else ""}
         for item in service.queue(limit=SHOWN)],
        columns=COLUMNS)


def label_choices(kb: KnowledgeBase) -> list[str]:
    """Every label an item can get: an intent, or `faq:<entry id>`."""
    return [*sorted(kb.intents), *(format_target("faq", entry_id) for entry_id in sorted(kb.faq))]


def waiting_note(examples: LogExampleStore | None) -> str:
    """How many of the server's review items are not in the queue yet (reads only)."""
    if examples is None:
        return NO_DATABASE
    waiting = len(examples.teller_review_records())
    if not waiting:
        return "No new messages from the chat since the last time they were brought in."
    return (f"**{waiting}** new message(s) from the chat (thumbs-down or uncertain answers) "
            "are waiting: press *Bring in new items* to add them to the queue.")


def bring_in(examples: LogExampleStore, kb: KnowledgeBase) -> IngestCounts:
    """Add the server's review items to the queue and take them off the server's list."""
    records = examples.teller_review_records()
    counts = examples.add(records, set(kb.intents))
    examples.mark_review_items_ingested(records)
    return counts


def build_review_tab(review_service: Callable[[], ReviewService | None],
                     examples: LogExampleStore | None, served: ServedKnowledge) -> None:
    """The tab. `review_service` gives the queue over the knowledge base and model serving
    now; `examples` is the store it reads (None without a SQL database)."""
    with gr.Tab("Review queue", id="review") as tab:
        gr.Markdown("Messages to teach the assistant, most useful first: uncertain, frequent, "
                    "and similar to other unanswered ones (\"new FAQ?\"). Personal data is "
                    "already masked. Give each the right intent or FAQ entry, or dismiss it; "
                    "the next retrain learns from them.")
        waiting = gr.Markdown(elem_id="review-waiting")
        with gr.Row():
            bring = gr.Button("Bring in new items", elem_id="review-bring-in", size="sm")
            refresh = gr.Button("Refresh", size="sm")
        queue = gr.Dataframe(pd.DataFrame(columns=COLUMNS), interactive=False, wrap=True,
                             elem_id="review-table", label="Open review items")
        with gr.Row():
            item_id = gr.Number(label="Item id", precision=0, minimum=1, elem_id="review-item")
            target = gr.Dropdown(label_choices(served.kb), label="Right intent or FAQ entry",
                                 elem_id="review-label", scale=3)
        with gr.Row():
            assign = gr.Button("Assign", variant="primary", elem_id="review-assign")
            dismiss = gr.Button("Dismiss (not worth learning)", elem_id="review-dismiss")
        status = gr.HTML(elem_id="review-status")

    def show() -> tuple[Any, str, Any]:
        return (queue_table(review_service()), waiting_note(examples),
                gr.update(choices=label_choices(served.kb)))

    def bring_in_clicked() -> tuple[str, Any, str, Any]:
        if examples is None:
            return message(NO_DATABASE, ok=False), gr.update(), NO_DATABASE, gr.update()
        counts = bring_in(examples, served.kb)
        done = message(f"Brought in {counts.added} new message(s); {counts.repeated} were "
                       "already in the queue (counted as seen again).", ok=True)
        return done, *show()

    def assign_clicked(number: float | None, choice: str | None) -> tuple[str, Any]:
        service = review_service()
        if service is None:
            return message(NO_DATABASE, ok=False), gr.update()
        if number is None or not choice:
            return message("Choose an item id and a label.", ok=False), gr.update()
        target = parse_target(choice)
        faq = target.name if target.kind == "faq" else None
        try:
            intent = service.label(int(number), None if faq else target.label, faq)
        except TellerError as exc:
            return message(str(exc), ok=False), gr.update()
        return (message(f"Item {int(number)} labelled {intent}.", ok=True),
                queue_table(service))

    def dismiss_clicked(number: float | None) -> tuple[str, Any]:
        service = review_service()
        if service is None:
            return message(NO_DATABASE, ok=False), gr.update()
        if number is None:
            return message("Choose an item id.", ok=False), gr.update()
        try:
            service.dismiss(int(number))
        except TellerError as exc:
            return message(str(exc), ok=False), gr.update()
        return message(f"Item {int(number)} dismissed.", ok=True), queue_table(service)

    shown = [queue, waiting, target]
    tab.select(show, None, shown)
    refresh.click(show, None, shown)
    bring.click(bring_in_clicked, None, [status, *shown])
    assign.click(assign_clicked, [item_id, target], [status, queue])
    dismiss.click(dismiss_clicked, item_id, [status, queue])
