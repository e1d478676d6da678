"""The bank team's admin pages (mounted at /admin behind a login, see ui/mount.py): one
module per tab, each with a `build_<tab>_tab` that takes what it needs.

- dashboard: conversations, containment, fallbacks, feedback (reads the session store)
- review: the review queue; showing it only reads, "Bring in new items" ingests
- faq, intents: knowledge-base edits through `bot.kb.editor.KbEditor`, served at once
- content: the bank's own files imported as drafts, reviewed, published (`bot.kb.importers`)
- models: retrain in a child process (`retrain_job`), versions, promote and roll back
"""

from __future__ import annotations

import html

import gradio as gr

from bot.kb.editor import KbEditor
from bot.runtime import Runtime
from bot.storage.sessions import SqlSessionStore
from ui.admin.content import build_content_tab
from ui.admin.dashboard import build_dashboard_tab
from ui.admin.faq import build_faq_tab
from ui.admin.intents import build_intents_tab
from ui.admin.models import build_models_tab
from ui.admin.retrain_job import RetrainJob
from ui.admin.review import build_review_tab

__all__ = ["build_admin_ui"]


def build_admin_ui(runtime: Runtime) -> gr.Blocks:
    """The admin pages over the running assistant, its store and its model registry."""
    settings, assistant = runtime.settings, runtime.assistant
    bank = assistant.kb.metadata.bank_name
    store = runtime.store
    engine = store.engine if isinstance(store, SqlSessionStore) else None
    editor = KbEditor(settings.kb_dir, settings.bank_name)
    with gr.Blocks(title=f"{bank} assistant: admin") as page:
        gr.HTML(f'<div role="banner" style="display:flex;justify-content:space-between;'
                f'align-items:center"><h2>{html.escape(bank)} assistant: admin</h2>'
                '<form method="post" action="logout"><button type="submit">Sign out'
                '</button></form></div>', elem_id="teller-header")
        with gr.Tabs():
            build_dashboard_tab(engine, page)
            build_review_tab(runtime.review_service, runtime.log_examples, assistant)
            build_faq_tab(editor, assistant)
            build_intents_tab(editor, assistant, page)
            build_content_tab(settings.kb_dir, settings.bank_name, assistant)
            build_models_tab(settings, RetrainJob(settings))
    return page
