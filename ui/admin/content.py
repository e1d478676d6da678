"""The Import tab: the bank's own files (web pages, PDF, Word, spreadsheets, a Dialogflow
export) imported as drafts, reviewed item by item (shown and edited as YAML), then
published or dropped. The same code and checks as
`teller import` (`bot.kb.importers`): an unreadable file or an invalid result writes nothing.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import gradio as gr
import pandas as pd

from bot.errors import TellerError
from bot.kb import KnowledgeBase, load_knowledge_base
from bot.kb.importers import import_paths
from bot.kb.importers.base import MAX_FILE_LABEL
from bot.kb.importers.drafts import (
    draft_item_yaml,
    drop_draft,
    list_drafts,
    publish_draft,
    save_draft_item,
)
from bot.kb.importers.writer import ImportReport
from ui.admin.common import ServedKnowledge, message, save_and_serve

UPLOAD_TYPES = [".html", ".htm", ".pdf", ".docx", ".md", ".txt", ".csv", ".xlsx", ".zip"]
DRAFT_COLUMNS = ["Draft", "Source", "Title", "Added", "Changed", "Removed", "Unchanged"]
ITEM_COLUMNS = ["Item", "Content"]


def drafts_table(folder: Path) -> pd.DataFrame:
    rows = [[d.file, d.source, d.title, *(len(d.changes.get(k, [])) for k in
                                           ("added", "changed", "removed", "unchanged"))]
            for d in list_drafts(folder)]
    return pd.DataFrame(rows, columns=DRAFT_COLUMNS)


def draft_items(folder: Path, name: str | None) -> pd.DataFrame:
    for draft in list_drafts(folder):
        if draft.file == name:
            return pd.DataFrame(list(draft.items.items()), columns=ITEM_COLUMNS)
    return pd.DataFrame([], columns=ITEM_COLUMNS)


def report_html(report: ImportReport) -> str:
    return ('<pre role="status" style="white-space:pre-wrap">'
            f"{html.escape(report.render())}</pre>")


def build_content_tab(kb_dir: Path, bank_name: str | None, served: ServedKnowledge) -> None:
    with gr.Tab("Import", id="import"):
        gr.Markdown(f"Import the bank's own files: web pages, PDF, Word (.docx), Markdown, CSV "
                    f"or Excel question-and-answer sheets, a Dialogflow ES export (.zip). Up "
                    f"to {MAX_FILE_LABEL} per file. They arrive as drafts: review, then "
                    "publish or drop. A Rasa project is imported with `teller import FOLDER`.")
        files = gr.File(label="Files", file_count="multiple", file_types=UPLOAD_TYPES,
                        elem_id="import-files")
        start = gr.Button("Import as drafts", variant="primary", elem_id="import-start")
        status = gr.HTML(elem_id="import-status")
        drafts = gr.Dataframe(value=drafts_table(kb_dir), headers=DRAFT_COLUMNS,
                              interactive=False, label="Drafts waiting for review",
                              elem_id="import-drafts")
        chosen = gr.Dropdown([d.file for d in list_drafts(kb_dir)], label="Draft",
                             elem_id="import-draft-choice")
        items = gr.Dataframe(headers=ITEM_COLUMNS, interactive=False, wrap=True,
                             label="Its items", elem_id="import-items")
        with gr.Row():
            publish = gr.Button("Publish draft", variant="primary", elem_id="import-publish")
            drop = gr.Button("Drop draft", elem_id="import-drop")
        item = gr.Textbox(label="Item (click a row above, or type faq:..., passage:..., "
                          "intent:...)", elem_id="import-item")
        item_yaml = gr.Code(label="The item (edit, then save)", language="yaml",
                            interactive=True, elem_id="import-item-yaml")
        with gr.Row():
            save_item = gr.Button("Save this item", elem_id="import-save-item")
            drop_item = gr.Button("Drop this item", elem_id="import-drop-item")

    def refreshed() -> tuple[pd.DataFrame, dict[str, object]]:
        names = [d.file for d in list_drafts(kb_dir)]
        return drafts_table(kb_dir), gr.update(choices=names, value=names[0] if names else None)

    def import_clicked(uploaded: list[str] | None) -> tuple[str, pd.DataFrame, object]:
        if not uploaded:
            return (message("Choose one or more files first.", ok=False), *refreshed())
        paths = [Path(p) for p in uploaded]
        outcome: list[ImportReport] = []

        def edit() -> KnowledgeBase:
            report, _ = import_paths(kb_dir, paths, False, bank_name,
                                     lambda: load_knowledge_base(kb_dir, bank_name))
            outcome.append(report)
            return load_knowledge_base(kb_dir, bank_name)

        # An unreadable file is a TellerError: save_and_serve says why, nothing is written.
        knowledge, refused = save_and_serve(edit, served)
        if knowledge is None:
            return (refused or "", *refreshed())
        return (report_html(outcome[0]) if outcome else "", *refreshed())

    def act(name: str | None, run: Callable[[str], KnowledgeBase], done: str
            ) -> tuple[str, pd.DataFrame, object]:
        if not name:
            return (message("Choose a draft.", ok=False), *refreshed())
        try:
            knowledge, refused = save_and_serve(lambda: run(name), served)
        except TellerError as exc:
            return (message(str(exc), ok=False), *refreshed())
        if knowledge is None:
            return (refused or "", *refreshed())
        return (message(done.format(name=name), ok=True), *refreshed())

    def publish_clicked(name: str | None) -> tuple[str, pd.DataFrame, object]:
        return act(name, lambda n: publish_draft(kb_dir, n, bank_name),
                   "Published {name}: its items are served now (new intents are learnt at "
                   "the next retrain, Models tab).")

    def drop_clicked(name: str | None) -> tuple[str, pd.DataFrame, object]:
        return act(name, lambda n: drop_draft(kb_dir, n, bank_name), "Dropped {name}.")

    def drop_item_clicked(name: str | None, which: str | None
                          ) -> tuple[str, pd.DataFrame, object]:
        if not (which or "").strip():
            return (message("Name the item to drop (see the Item column).", ok=False),
                    *refreshed())
        return act(name, lambda n: drop_draft(kb_dir, n, bank_name, (which or "").strip()),
                   f"Dropped {which} from {{name}}.")

    def item_chosen(name: str | None, rows: pd.DataFrame | None, event: gr.SelectData
                    ) -> tuple[str, str]:
        row = event.index[0] if isinstance(event.index, list | tuple) else event.index
        if rows is None or not name or not isinstance(row, int) or row >= len(rows):
            return "", ""
        which = str(rows.iloc[row]["Item"])
        return which, item_shown(name, which)

    def item_shown(name: str | None, which: str | None) -> str:
        if not name or not (which or "").strip():
            return ""
        try:
            return draft_item_yaml(kb_dir, name, (which or "").strip())
        except TellerError as exc:
            return f"# {exc}"

    def save_item_clicked(name: str | None, which: str | None, text: str | None
                          ) -> tuple[str, pd.DataFrame, object]:
        if not (which or "").strip():
            return (message("Choose the item to save (see the Item column).", ok=False),
                    *refreshed())
        return act(name, lambda n: save_draft_item(kb_dir, n, (which or "").strip(),
                                                   text or "", bank_name),
                   f"Saved {which} in {{name}}; publish the draft to serve it.")

    outputs = [status, drafts, chosen]
    start.click(import_clicked, files, outputs)
    publish.click(publish_clicked, chosen, outputs)
    drop.click(drop_clicked, chosen, outputs)
    drop_item.click(drop_item_clicked, [chosen, item], outputs)
    save_item.click(save_item_clicked, [chosen, item, item_yaml], outputs)
    items.select(item_chosen, [chosen, items], [item, item_yaml])
    item.submit(item_shown, [chosen, item], item_yaml)
    chosen.change(lambda name: draft_items(kb_dir, name), chosen, items)
