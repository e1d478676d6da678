"""The Intents tab: an intent's example messages, learnt by the intent model at the next
retrain. Saved through `bot.kb.editor.KbEditor` (the whole knowledge base is validated)."""

from __future__ import annotations

import gradio as gr

from bot.kb import KnowledgeBase
from bot.kb.editor import KbEditor
from ui.admin.common import ServedKnowledge, message, save_and_serve


def intent_examples(kb: KnowledgeBase, name: str | None) -> str:
    """The intent's examples, one per line."""
    found = kb.intents.get(name or "")
    return "\n".join(found.examples) if found else ""


def build_intents_tab(editor: KbEditor, served: ServedKnowledge, page: gr.Blocks) -> None:
    """The tab; the first intent's examples are shown when the page loads."""
    names = sorted(served.kb.intents)
    with gr.Tab("Intents", id="intents"):
        chosen = gr.Dropdown(names, value=names[0] if names else None, label="Intent",
                             elem_id="intent-choice")
        examples = gr.Textbox(label="Examples (one per line)", lines=12,
                              elem_id="intent-examples")
        save = gr.Button("Save examples", variant="primary", elem_id="intent-save")
        status = gr.HTML(elem_id="intent-status")

    def show(name: str | None) -> str:
        return intent_examples(served.kb, name)

    def save_clicked(name: str | None, text: str | None) -> str:
        if not name:
            return message("Choose an intent.", ok=False)
        lines = (text or "").splitlines()
        knowledge, refused = save_and_serve(lambda: editor.save_examples(name, lines), served)
        if knowledge is None:
            return refused or ""
        return message(f"Saved the examples of {name}; the intent model learns them at the "
                       "next retrain.", ok=True)

    chosen.change(show, chosen, examples)
    page.load(show, chosen, examples)
    save.click(save_clicked, [chosen, examples], status)
