"""The customer chat: a Gradio Blocks app that talks to the same in-process Assistant as the API.

The bot's buttons appear as quick-reply buttons under the chat; pressing one sends its payload.
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from bot.errors import TellerError
from bot.pipeline import Assistant

WEB_OWNER = "channel:web"  # the chat page's sessions; no API key can read them

MAX_BUTTONS = 10  # the longest form question (loan purpose) offers 10 choices


def _button_updates(buttons: list[Any]) -> list[Any]:
    updates = []
    for index in range(MAX_BUTTONS):
        if index < len(buttons):
            updates.append(gr.update(value=buttons[index].title, visible=True))
        else:
            updates.append(gr.update(value="", visible=False))
    return updates


def build_chat_ui(assistant: Assistant) -> gr.Blocks:
    bank = assistant.kb.metadata.bank_name
    with gr.Blocks(title=f"{bank} assistant") as demo:
        gr.Markdown(f"### {bank} assistant")
        session = gr.State(None)
        payloads = gr.State([])
        chatbot = gr.Chatbot(
            label="Conversation", height=460, render_markdown=False, sanitize_html=True,
            feedback_options=None, buttons=["copy"],
        )
        quick = [gr.Button(visible=False, size="sm", elem_classes="quick-reply")
                 for _ in range(MAX_BUTTONS)]
        with gr.Row():
            box = gr.Textbox(
                placeholder="Type your question and press Enter", show_label=False,
                scale=8, max_length=assistant.max_message_chars, autofocus=True,
            )
            send = gr.Button("Send", variant="primary", scale=1)

        def exchange(message: str, shown: str, history: list, session_id: str | None):
            history = list(history or [])
            if not message or not message.strip():
                return (history, session_id, gr.update(), gr.update(), *[gr.update()] * MAX_BUTTONS)
            session_id = session_id or assistant.new_session_id()
            try:
                reply = assistant.handle(message, session_id, owner=WEB_OWNER)
            except TellerError as exc:
                history.append({"role": "assistant", "content": html.escape(f"(Not sent: {exc})")})
                return (history, session_id, gr.update(), gr.update(value=message),
                        *[gr.update()] * MAX_BUTTONS)
            text = reply.text
            if reply.sources:
                text += f"\n\nSource: FAQ '{reply.sources[0].faq_id}'"
            # The chatbot renders HTML; escape so a message is always shown as typed, never run.
            history += [{"role": "user", "content": html.escape(shown)},
                        {"role": "assistant", "content": html.escape(text)}]
            return (history, session_id, list(reply.buttons), gr.update(value=""),
                    *_button_updates(reply.buttons))

        outputs = [chatbot, session, payloads, box, *quick]

        def typed(message, history, session_id):
            return exchange(message, message, history, session_id)

        box.submit(typed, [box, chatbot, session], outputs)
        send.click(typed, [box, chatbot, session], outputs)
        for index, button in enumerate(quick):
            def pressed(history, session_id, current, _i=index):
                if _i >= len(current):
                    return (history, session_id, current, gr.update(),
                            *[gr.update()] * MAX_BUTTONS)
                return exchange(current[_i].payload, current[_i].title, history, session_id)

            button.click(pressed, [chatbot, session, payloads], outputs)
    return demo
