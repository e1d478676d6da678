"""The chat page's pure parts: the opening message it shows and the "Why this answer?"
disclosure of replies built by hand (no model, no browser)."""

from __future__ import annotations

from dataclasses import replace

from bot.kb import Button as KbButton
from bot.kb import KnowledgeBase, Response
from bot.response import BotResponse, Button, IntentInfo
from ui.chat import Welcome, explanation_html, text_html, welcome

WELCOME = Response(id="utter_welcome", text=["Welcome to {bank_name}.", "Hi again."],
                   buttons=[KbButton(title="I lost my card", payload="/lost_or_stolen_card")])


def test_the_welcome_response_opens_the_chat_rendered_for_the_bank(
        tiny_kb: KnowledgeBase) -> None:
    kb = replace(tiny_kb, responses={**tiny_kb.responses, "utter_welcome": WELCOME})
    assert welcome(kb) == Welcome("Welcome to Tiny Test Bank.",
                                  [Button(title="I lost my card", payload="/lost_or_stolen_card")])


def test_without_a_welcome_the_greeting_response_opens_the_chat(tiny_kb: KnowledgeBase) -> None:
    assert "utter_welcome" not in tiny_kb.responses
    assert welcome(tiny_kb) == Welcome("Hello from Tiny Test Bank! How can I help?", [
        Button(title="My card hasn't arrived", payload="/card_arrival"),
        Button(title="Find my IBAN", payload="/faq:find-iban"),
    ])


def test_with_neither_the_chat_opens_empty(tiny_kb: KnowledgeBase) -> None:
    kb = replace(tiny_kb, response_by_intent={k: v for k, v in tiny_kb.response_by_intent.items()
                                              if k != "greet"})
    assert welcome(kb) is None


def test_the_welcome_text_is_escaped() -> None:
    assert text_html("Hi <b>there</b>\n- one & two") == (
        "Hi &lt;b&gt;there&lt;/b&gt;<br><ul><li>one &amp; two</li></ul>")


def reply(**data: object) -> BotResponse:
    return BotResponse(session_id="s1", text="…", action="answer_faq", response_id="faq:x",
                       intent=IntentInfo(name="card_arrival", confidence=0.91), data=data)


def test_why_lists_the_parts_of_a_message_and_what_each_got() -> None:
    why = explanation_html(reply(parts=[
        {"text": "hi", "action": "answer_intent", "intent": "greet",
         "response_id": "utter_greet"},
        {"text": "where is my <card>?", "action": "answer_faq", "intent": None,
         "response_id": "faq:card-arrival"},
    ]))
    assert why == (
        "Understood as <b>card_arrival</b> (91% confident)<br>"
        "This message had 2 parts:<ul>"
        "<li>“hi”: understood as <b>greet</b>, step answer_intent, reply utter_greet</li>"
        "<li>“where is my &lt;card&gt;?”: step answer_faq, reply faq:card-arrival</li>"
        "</ul><br>Step: answer_faq")


def test_why_says_which_offer_a_yes_accepted() -> None:
    why = explanation_html(reply(offer_accepted={
        "payload": "/loan_enquiry", "title": "Shall I check what you could <borrow>?"}))
    assert why == (
        "Understood as <b>card_arrival</b> (91% confident)<br>"
        "Accepted the offer: Shall I check what you could &lt;borrow&gt;? (/loan_enquiry)<br>"
        "Step: answer_faq")


def test_why_says_which_earlier_message_a_follow_up_was_read_with() -> None:
    why = explanation_html(reply(context={"topic": "faq:fees",
                                          "from_text": "what does a transfer cost & when"}))
    assert why == (
        "Understood as <b>card_arrival</b> (91% confident)<br>"
        "Read together with the earlier topic: “what does a transfer cost &amp; when” "
        "(topic <b>faq:fees</b>)<br>"
        "Step: answer_faq")


def test_the_dialogue_keys_are_not_repeated_as_tool_output() -> None:
    why = explanation_html(reply(context={"topic": "t", "from_text": "f"},
                                 offer_accepted={"payload": "/p", "title": "T"},
                                 parts=[{"text": "a", "action": "answer_faq", "intent": None,
                                         "response_id": None}],
                                 amount=1200))
    assert why == (
        "Understood as <b>card_arrival</b> (91% confident)<br>"
        "Read together with the earlier topic: “f” (topic <b>t</b>)<br>"
        "Accepted the offer: T (/p)<br>"
        "This message had 1 part:<ul><li>“a”: step answer_faq</li></ul><br>"
        "Tool output:<pre>{\n &quot;amount&quot;: 1200\n}</pre><br>"
        "Step: answer_faq")


def test_why_says_which_offer_was_made_or_declined() -> None:
    made = explanation_html(reply(offer={"payload": "/loan_enquiry", "title": "Shall I <check>?"}))
    assert "Offered a next step: Shall I &lt;check&gt;? (/loan_enquiry)" in made
    assert "Tool output" not in made
    declined = explanation_html(reply(offer_declined={"payload": "/loan_enquiry"}))
    assert "Declined the offer (/loan_enquiry)" in declined
