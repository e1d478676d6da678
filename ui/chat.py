"""The customer chat: a Gradio Blocks app on the same in-process Assistant as the API.

The chat opens with the knowledge base's welcome and its quick replies (shown on each page
load, stored in no session: a session starts with the customer's first message). Per bot
turn: the reply (its buttons as quick replies under the chat), a closed "Why this answer?"
disclosure (intent and confidence, or the form slots an answer filled; the parts of a
message, an accepted offer, an earlier message it was read with; FAQ source, tool output),
and thumbs up/down that are stored as feedback on that turn. Every text is HTML-escaped
before Gradio renders it.
"""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from bot.api.errors import teller_error_message
from bot.dialogue.context import CONTEXT
from bot.dialogue.offers import OFFER, OFFER_ACCEPTED, OFFER_DECLINED
from bot.dialogue.parts import PARTS
from bot.errors import TellerError
from bot.kb import KnowledgeBase
from bot.limits import ClientLimit, Limiter, make_limiter
from bot.messages import MESSAGES, say, speaking
from bot.nlu.language import matching_language
from bot.payloads import intent_payload
from bot.response import SLOTS_FILLED, BotResponse, Button
from bot.runtime import Runtime

if TYPE_CHECKING:
    from bot.pipeline import Assistant

log = logging.getLogger(__name__)

CHANNEL = "web-chat"
WEB_OWNER = "channel:web"  # the chat page's sessions; no API key can read them
MAX_BUTTONS = 10  # the longest form question (loan purpose) offers 10 choices
# The chat's own words are messages of `bot.messages` (`chat.*`), in every language of the
# KB: Gradio's i18n shows the browser's language first, then the page's language (the
# `locale` query parameter the widget's `data-locale` sets, else the browser's) replaces them.
CHAT_WORDS = ("chat.title", "chat.conversation", "chat.placeholder", "chat.message_label",
              "chat.send", "chat.person", "chat.why")
# Only our own tools' charts are shown: base64 PNG/JPEG data URLs, nothing that can run.
SAFE_IMAGE = re.compile(r"^data:image/(png|jpeg);base64,[A-Za-z0-9+/]+=*$")
# The chat's first message: this system response, else the greeting intent's response.
WELCOME_RESPONSE = "utter_welcome"
GREET_INTENT = "greet"
# `data` keys the dialogue manager fills, shown in words by "Why this answer?" (and so not
# repeated as tool output).
EXPLAINED = {SLOTS_FILLED, PARTS, OFFER, OFFER_ACCEPTED, OFFER_DECLINED, CONTEXT}


@dataclass(frozen=True)
class Welcome:
    """The opening message: text and quick replies, the same buttons a reply carries."""

    text: str
    buttons: list[Button]


def welcome(kb: KnowledgeBase) -> Welcome | None:
    """The KB's welcome (`utter_welcome`), else its greeting's response, else None (the
    chat then opens empty). Its first text variant, so every customer sees the same."""
    response = kb.responses.get(WELCOME_RESPONSE) or kb.response_by_intent.get(GREET_INTENT)
    if response is None:
        return None
    return Welcome(kb.render(response.text[0]),
                   [Button(title=b.title, payload=b.payload) for b in response.buttons])


def chat_words(kb: KnowledgeBase) -> dict[str, str]:
    """The chat's own words in `kb`'s language (a locale's view gives the locale's)."""
    bank = kb.metadata.bank_name
    return {key: kb.messages[key].format(bank=bank) for key in CHAT_WORDS}


def chat_i18n(assistant: Assistant) -> gr.I18n:
    """Gradio's translations of the chat's words, one set per language of the KB."""
    return gr.I18n(**{language: chat_words(parts.kb)
                      for language, parts in assistant.by_language().items()})


def page_language(request: gr.Request | None, languages: list[str]) -> tuple[str, bool]:
    """The page's language and whether the page asked for it: the `locale` query parameter
    (the widget's `data-locale`), else the browser's Accept-Language, else the KB's main
    language. Only an asked-for locale binds what the customer types."""
    if request is not None:
        asked = matching_language(request.query_params.get("locale"), languages)
        if asked:
            return asked, True
        for tag in request.headers.get("accept-language", "").split(","):
            found = matching_language(tag.split(";")[0].strip(), languages)
            if found:
                return found, False
    return languages[0], False


def _text_parts(text: str) -> list[str]:
    parts: list[str] = []
    bullets: list[str] = []
    for line in text.splitlines():
        if line.startswith("- "):
            bullets.append(f"<li>{html.escape(line[2:])}</li>")
            continue
        if bullets:
            parts.append(f"<ul>{''.join(bullets)}</ul>")
            bullets = []
        parts.append(html.escape(line) + "<br>" if line.strip() else "<br>")
    if bullets:
        parts.append(f"<ul>{''.join(bullets)}</ul>")
    return parts


def text_html(text: str) -> str:
    """Text as safe HTML: escaped lines, '- ' lines as a list (a tool's reasons)."""
    return "".join(_text_parts(text)).removesuffix("<br>")


def reply_html(reply: BotResponse) -> str:
    """The reply as safe HTML: its text (see `text_html`), then the tool's charts."""
    parts = _text_parts(reply.text)
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
    rows += _dialogue_rows(reply.data)
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
        cited = ", ".join(html.escape(str(part)) for part in
                          (source.document, source.section,
                           f"page {source.page}" if source.page else None) if part)
        if source.kind == "passage":
            rows.append(f"Quoted from <b>{cited}</b> "
                        f"({html.escape(source.url or source.file or '')}){score}")
        else:
            rows.append(f"Answer from FAQ <b>{html.escape(source.faq_id or '')}</b>: "
                        f"“{html.escape(source.question or '')}”{score}"
                        + (f", from <b>{cited}</b>" if cited else ""))
    if reply.form:
        rows.append(f"Form: {html.escape(reply.form)}")
    output = {k: v for k, v in reply.data.items() if k not in EXPLAINED}
    if output:
        data = json.dumps(output, indent=1, ensure_ascii=False, default=str)
        if len(data) > 1500:
            data = data[:1500] + "\n…"
        rows.append(f"Tool output:<pre>{html.escape(data)}</pre>")
    rows.append(f"Step: {html.escape(reply.action)}")
    return "<br>".join(rows)


def _dialogue_rows(data: dict[str, Any]) -> list[str]:
    """How the dialogue read the message: with an earlier one, as a yes to an offer, or in
    several parts. The keys come from another component: missing fields read as empty."""
    rows: list[str] = []
    earlier = data.get(CONTEXT)
    if isinstance(earlier, dict):
        rows.append("Read together with the earlier topic: "
                    f"“{html.escape(str(earlier.get('from_text', '')))}” "
                    f"(topic <b>{html.escape(str(earlier.get('topic', '')))}</b>)")
    offer = data.get(OFFER_ACCEPTED)
    if isinstance(offer, dict):
        rows.append(f"Accepted the offer: {html.escape(str(offer.get('title', '')))} "
                    f"({html.escape(str(offer.get('payload', '')))})")
    declined = data.get(OFFER_DECLINED)
    if isinstance(declined, dict):
        rows.append(f"Declined the offer ({html.escape(str(declined.get('payload', '')))})")
    proposed = data.get(OFFER)
    if isinstance(proposed, dict):
        rows.append(f"Offered a next step: {html.escape(str(proposed.get('title', '')))} "
                    f"({html.escape(str(proposed.get('payload', '')))})")
    parts = data.get(PARTS)
    if isinstance(parts, list) and parts:
        items = "".join(f"<li>{_part_html(part)}</li>" for part in parts
                        if isinstance(part, dict))
        count = f"{len(parts)} part" + ("s" if len(parts) > 1 else "")
        rows.append(f"This message had {count}:<ul>{items}</ul>")
    return rows


def _part_html(part: dict[str, Any]) -> str:
    """One part of a message and what was done with it."""
    done = [f"step {html.escape(str(part.get('action', '')))}"]
    if part.get("intent"):
        done.insert(0, f"understood as <b>{html.escape(str(part['intent']))}</b>")
    if part.get("response_id"):
        done.append(f"reply {html.escape(str(part['response_id']))}")
    return f"“{html.escape(str(part.get('text', '')))}”: {', '.join(done)}"


# The bank's colour comes with the theme (ui.mount.theme), so Gradio's sign-in page has it
# too. The page fills its window, the conversation taking what the rest leaves: in the
# widget's small frame the message box and Send stay in view.
CHAT_CSS = """
#teller-header h2 { color: var(--color-accent); margin: 0; }
.quick-replies button { flex: 0 1 auto !important; min-width: 0 !important; }
#teller-chat { min-height: 160px; }
"""
# Gradio scopes `css` to inside the app; the app's own padding (32px a side) is outside, so
# this goes in the page head: a phone or the widget's frame keeps its width for the chat.
PAGE_CSS = "@media (max-width: 480px) { .gradio-container > .app { padding: 8px !important; } }"


def _button_updates(buttons: list[Any]) -> list[Any]:
    return [gr.update(value=buttons[i].title, visible=True) if i < len(buttons)
            else gr.update(value="", visible=False) for i in range(MAX_BUTTONS)]


def slow_down(wait: int, messages: dict[str, str] | None = None) -> str:
    """The rate limit's note, in the language of `messages` (a KB view's catalogue)."""
    with speaking(messages or MESSAGES):
        return say("chat.slow_down", wait=wait,
                   unit=say("unit.second" if wait == 1 else "unit.seconds"))


def build_chat_ui(runtime: Runtime, limiter: Limiter | None = None) -> gr.Blocks:
    """The chat page. Each client address may send TELLER_ANONYMOUS_RATE_LIMIT_PER_MINUTE
    messages a minute (counted on `limiter`, by default the one the settings choose). Mount
    it with `chat_i18n(runtime.assistant)` as Gradio's i18n."""
    assistant = runtime.assistant
    channel = runtime.channel(CHANNEL)
    client_limit = ClientLimit.of(runtime.settings, limiter or make_limiter(runtime.settings),
                                  CHANNEL)
    store = runtime.store
    handoff_message = (intent_payload("human_handoff")
                       if "human_handoff" in assistant.kb.intents
                       else "I would like to talk to a person")
    i18n = chat_i18n(assistant)
    main_words = chat_words(assistant.kb)

    def kb_in(language: str | None) -> KnowledgeBase:
        """The served KB in `language` (the main one for an unknown language)."""
        if language and language in assistant.locales:
            return assistant.components_for(language).kb
        return runtime.kb

    with gr.Blocks(title=main_words["chat.title"], fill_height=True) as demo:
        header = gr.HTML(_header_html(main_words), elem_id="teller-header")
        session = gr.State(None)
        payloads = gr.State([])
        turns = gr.State({})  # chat message index -> the session's turn number (feedback)
        # The language the page speaks: its locale, then each reply's (buttons are pressed
        # in it).
        speaks = gr.State(None)
        chatbot = gr.Chatbot(
            label=i18n("chat.conversation"), height=None, scale=1,
            render_markdown=False, sanitize_html=True, feedback_options=("Like", "Dislike"),
            buttons=["copy"], elem_id="teller-chat",
        )
        with gr.Row(elem_classes="quick-replies"):
            quick = [gr.Button(visible=False, size="sm", elem_classes="quick-reply")
                     for _ in range(MAX_BUTTONS)]
        with gr.Row(equal_height=True):
            box = gr.Textbox(placeholder=i18n("chat.placeholder"),
                             label=i18n("chat.message_label"), show_label=False, scale=8,
                             autofocus=True, min_width=120, elem_id="teller-input")
            send = gr.Button(i18n("chat.send"), variant="primary", scale=1, min_width=70,
                             elem_id="teller-send")
        person = gr.Button(i18n("chat.person"), size="sm", variant="secondary",
                           elem_id="teller-person")

        def exchange(message: str, shown: str, history: list, session_id: str | None,
                     turn_map: dict[str, int], language: str | None,
                     request: gr.Request | None, pressed: bool = False) -> tuple[Any, ...]:
            history = list(history or [])
            unchanged = [gr.update()] * MAX_BUTTONS
            if not message or not message.strip():  # an empty send does nothing
                return (history, session_id, gr.update(), turn_map, language, gr.update(),
                        *unchanged)
            messages = dict(kb_in(language).messages)
            wait = client_limit.wait(request) if request is not None else None
            if wait is not None:  # nothing sent, nothing stored; the text stays in the box
                history.append({"role": "assistant",
                                "content": html.escape(slow_down(wait, messages))})
                return (history, session_id, gr.update(), turn_map, language,
                        gr.update(value=message), *unchanged)
            asked, bound = page_language(request, assistant.languages)
            # What the customer types is read in its own language unless the page set one;
            # a button is pressed in the language it was shown in.
            locale = asked if bound else (language if pressed else None)
            session_id = session_id or assistant.new_session_id()
            try:
                reply = channel.handle(message, session_id, owner=WEB_OWNER, locale=locale)
            except TellerError as exc:
                with speaking(messages):
                    note = say("chat.not_sent", reason=teller_error_message(exc))
                history.append({"role": "assistant", "content": html.escape(note)})
                return (history, session_id, gr.update(), turn_map, language,
                        gr.update(value=message), *unchanged)
            language = reply.language or language
            history.append({"role": "user", "content": html.escape(shown)})
            history.append({"role": "assistant", "content": reply_html(reply)})
            history.append({"role": "assistant", "content": explanation_html(reply),
                            "metadata": {"title": chat_words(kb_in(language))["chat.why"],
                                         "status": "done"}})
            if reply.turn is not None:
                turn_map = {**turn_map, str(len(history) - 2): reply.turn,
                            str(len(history) - 1): reply.turn}
            return (history, session_id, list(reply.buttons), turn_map, language,
                    gr.update(value=""), *_button_updates(reply.buttons))

        outputs = [chatbot, session, payloads, turns, speaks, box, *quick]
        state = [chatbot, session, turns, speaks]

        def typed(message, history, session_id, turn_map, language, request: gr.Request):
            return exchange(message, message, history, session_id, turn_map, language, request)

        box.submit(typed, [box, *state], outputs)
        send.click(typed, [box, *state], outputs)

        def ask_person(history, session_id, turn_map, language, request: gr.Request):
            return exchange(handoff_message, chat_words(kb_in(language))["chat.person"],
                            history, session_id, turn_map, language, request, pressed=True)

        person.click(ask_person, state, outputs)
        for index, button in enumerate(quick):
            def pressed(history, session_id, turn_map, language, current,
                        request: gr.Request, _i=index):
                if _i >= len(current):
                    return (history, session_id, current, turn_map, language, gr.update(),
                            *[gr.update()] * MAX_BUTTONS)
                return exchange(current[_i].payload, current[_i].title, history, session_id,
                                turn_map, language, request, pressed=True)

            button.click(pressed, [*state, payloads], outputs)

        def rate(data: gr.LikeData, session_id: str | None, turn_map: dict[str, int]) -> None:
            index = data.index if isinstance(data.index, int) else data.index[0]
            turn = turn_map.get(str(index))
            if session_id is None or turn is None or data.liked not in (True, False):
                return
            store.add_feedback(session_id, turn, "up" if data.liked else "down", None)

        chatbot.like(rate, [session, turns], None)

        def opening(history: list, request: gr.Request) -> tuple[Any, ...]:
            """The page in its language (`page_language`) and the welcome, read from the
            served KB on each page load (an admin edit shows at once); a chat the customer
            has already started keeps its messages."""
            language, _ = page_language(request, assistant.languages)
            kb = kb_in(language)
            words = chat_words(kb)
            texts = (gr.update(value=_header_html(words)),
                     gr.update(label=words["chat.conversation"]),
                     gr.update(placeholder=words["chat.placeholder"],
                               label=words["chat.message_label"]),
                     gr.update(value=words["chat.send"]), gr.update(value=words["chat.person"]))
            first = welcome(kb)
            if history or first is None:
                return (*texts, language, gr.update(), *[gr.update()] * MAX_BUTTONS)
            chat = [{"role": "assistant", "content": text_html(first.text)}]
            return (*texts[:1], gr.update(value=chat, label=words["chat.conversation"]),
                    *texts[2:], language, list(first.buttons), *_button_updates(first.buttons))

        demo.load(opening, [chatbot],
                  [header, chatbot, box, send, person, speaks, payloads, *quick])
    return demo


def _header_html(words: dict[str, str]) -> str:
    return f'<h2 role="banner">{html.escape(words["chat.title"])}</h2>'
