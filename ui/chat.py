"""The customer chat: a Gradio Blocks app on the same in-process Assistant as the API.

Per bot turn: the reply (its buttons as quick replies under the chat), a closed "Why this
answer?" disclosure (intent and confidence, or the form slots an answer filled; FAQ source,
tool output), and thumbs up/down that
are stored as feedback on that turn. Every text is HTML-escaped before Gradio renders it.
"""

from __future__ import annotations

import html
import json
import logging
import re
from typing import Any

import gradio as gr

from bot.errors import TellerError
from bot.payloads import intent_payload
from bot.response import SLOTS_FILLED, BotResponse
from bot.runtime import Runtime

log = logging.getLogger(__name__)

CHANNEL = "web-chat"
WEB_OWNER = "channel:web"  # the chat page's sessions; no API key can read them
MAX_BUTTONS = 10  # the longest form question (loan purpose) offers 10 choices
WHY_TITLE = "Why this answer?"
# Only our own tools' charts are shown: base64 PNG/JPEG data URLs, nothing that can run.
SAFE_IMAGE = re.compile(r"^data:image/(png|jpeg);base64,[A-Za-z0-9+/]+=*$")


def reply_html(reply: BotResponse) -> str:
    """The reply as safe HTML: escaped text, '- ' lines as a list (a tool's reasons), then
    the tool's charts."""
    parts: list[str] = []
    bullets: list[str] = []
    for line in reply.text.splitlines():
        if line.startswith("- "):
            bullets.append(f"<li>{html.escape(line[2:])}</li>")
            continue
        if bullets:
            parts.append(f"<ul>{''.join(bullets)}</ul>")
            bullets = []
        parts.append(html.escape(line) + "<br>" if line.strip() else "<br>")
    if bullets:
        parts.append(f"<ul>{''.join(bullets)}</ul>")
    for number, image in enumerate(reply.images, start=1):
        if SAFE_IMAGE.match(image):
            parts.append(f'<img src="{image}" alt="Chart {number} for this answer" '
                         'style="max-width:100%">')
    return "".join(parts).removesuffix("<br>")


def explanation_html(reply: BotResponse) -> str:
    """What the assistant understood and used for this reply."""
    rows: list[str] = []
    filled = reply.data.get(SLOTS_FILLED) or {}
    if reply.intent is not None:
        rows.append(f"Understood as <b>{html.escape(reply.intent.name)}</b> "
                    f"({reply.intent.confidence:.0%} confident)")
    elif filled:
        rows.append("Read as an answer to the form's question")
    else:
        rows.append("No intent recognised")
    for slot, fill in filled.items():
        how = ""
        if fill.get("by_meaning"):
            how = (f" (by meaning: closest to “{html.escape(str(fill['by_meaning']))}”, "
                   f"similarity {float(fill.get('similarity') or 0):.2f})")
        rows.append(f"Filled <b>{html.escape(slot)}</b>: "
                    f"{html.escape(str(fill.get('display', fill.get('value'))))}{how}")
    if reply.out_of_scope:
        rows.append("The question looks outside what this assistant covers")
    for source in reply.sources:
        score = f", similarity {source.score:.2f}" if source.score is not None else ""
        rows.append(f"Answer from FAQ <b>{html.escape(source.faq_id)}</b>: "
                    f"“{html.escape(source.question)}”{score}")
    if reply.form:
        rows.append(f"Form: {html.escape(reply.form)}")
    output = {k: v for k, v in reply.data.items() if k != SLOTS_FILLED}
    if output:
        data = json.dumps(output, indent=1, ensure_ascii=False, default=str)
        if len(data) > 1500:
            data = data[:1500] + "\n…"
        rows.append(f"Tool output:<pre>{html.escape(data)}</pre>")
    rows.append(f"Step: {html.escape(reply.action)}")
    return "<br>".join(rows)


def chat_css(color: str) -> str:
    return f"""
:root, .dark {{
  --color-accent: {color}; --color-accent-soft: {color}22;
  --button-primary-background-fill: {color}; --button-primary-background-fill-hover: {color};
  --button-primary-border-color: {color}; --checkbox-label-background-fill-selected: {color};
}}
#teller-header h2 {{ color: {color}; margin: 0; }}
.quick-replies button {{ flex: 0 1 auto !important; min-width: 0 !important; }}
@media (max-width: 480px) {{ .gradio-container {{ padding: 4px !important; }} }}
"""


def _button_updates(buttons: list[Any]) -> list[Any]:
    return [gr.update(value=buttons[i].title, visible=True) if i < len(buttons)
            else gr.update(value="", visible=False) for i in range(MAX_BUTTONS)]


def build_chat_ui(runtime: Runtime) -> gr.Blocks:
    assistant = runtime.assistant
    channel = runtime.channel(CHANNEL)
    bank = assistant.kb.metadata.bank_name
    store = runtime.store
    handoff_message = (intent_payload("human_handoff")
                       if "human_handoff" in assistant.kb.intents
                       else "I would like to talk to a person")

    with gr.Blocks(title=f"{bank} assistant") as demo:
        gr.HTML(f'<h2 role="banner">{html.escape(bank)} assistant</h2>', elem_id="teller-header")
        session = gr.State(None)
        payloads = gr.State([])
        turns = gr.State({})  # chat message index -> the session's turn number (feedback)
        chatbot = gr.Chatbot(
            label=f"Conversation with the {bank} assistant", height=480,
            render_markdown=False, sanitize_html=True, feedback_options=("Like", "Dislike"),
            buttons=["copy"], elem_id="teller-chat",
        )
        with gr.Row(elem_classes="quick-replies"):
            quick = [gr.Button(visible=False, size="sm", elem_classes="quick-reply")
                     for _ in range(MAX_BUTTONS)]
        with gr.Row(equal_height=True):
            box = gr.Textbox(placeholder="Type your question and press Enter",
                             label="Your message", show_label=False, scale=8, autofocus=True,
                             elem_id="teller-input")
            send = gr.Button("Send", variant="primary", scale=1, elem_id="teller-send")
        person = gr.Button("Talk to a person", size="sm", variant="secondary",
                           elem_id="teller-person")

        def exchange(message: str, shown: str, history: list, session_id: str | None,
                     turn_map: dict[str, int]) -> tuple[Any, ...]:
            history = list(history or [])
            unchanged = [gr.update()] * MAX_BUTTONS
            if not message or not message.strip():  # an empty send does nothing
                return (history, session_id, gr.update(), turn_map, gr.update(), *unchanged)
            session_id = session_id or assistant.new_session_id()
            try:
                reply = channel.handle(message, session_id, owner=WEB_OWNER)
            except TellerError as exc:
                history.append({"role": "assistant",
                                "content": html.escape(f"Not sent: {exc}")})
                return (history, session_id, gr.update(), turn_map, gr.update(value=message),
                        *unchanged)
            history.append({"role": "user", "content": html.escape(shown)})
            history.append({"role": "assistant", "content": reply_html(reply)})
            history.append({"role": "assistant", "content": explanation_html(reply),
                            "metadata": {"title": WHY_TITLE, "status": "done"}})
            if reply.turn is not None:
                turn_map = {**turn_map, str(len(history) - 2): reply.turn,
                            str(len(history) - 1): reply.turn}
            return (history, session_id, list(reply.buttons), turn_map, gr.update(value=""),
                    *_button_updates(reply.buttons))

        outputs = [chatbot, session, payloads, turns, box, *quick]

        def typed(message, history, session_id, turn_map):
            return exchange(message, message, history, session_id, turn_map)

        box.submit(typed, [box, chatbot, session, turns], outputs)
        send.click(typed, [box, chatbot, session, turns], outputs)

        def ask_person(history, session_id, turn_map):
            return exchange(handoff_message, "Talk to a person", history, session_id, turn_map)

        person.click(ask_person, [chatbot, session, turns], outputs)
        for index, button in enumerate(quick):
            def pressed(history, session_id, current, turn_map, _i=index):
                if _i >= len(current):
                    return (history, session_id, current, turn_map, gr.update(),
                            *[gr.update()] * MAX_BUTTONS)
                return exchange(current[_i].payload, current[_i].title, history, session_id,
                                turn_map)

            button.click(pressed, [chatbot, session, payloads, turns], outputs)

        def rate(data: gr.LikeData, session_id: str | None, turn_map: dict[str, int]) -> None:
            index = data.index if isinstance(data.index, int) else data.index[0]
            turn = turn_map.get(str(index))
            if session_id is None or turn is None or data.liked not in (True, False):
                return
            store.add_feedback(session_id, turn, "up" if data.liked else "down", None)

        chatbot.like(rate, [session, turns], None)
    return demo
