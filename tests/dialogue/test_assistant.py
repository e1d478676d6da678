"""The whole in-process path on the tiny KB: real encoder, real model, real FAISS index."""

import threading

import pytest

from bot.errors import InvalidMessage, InvalidSessionId
from bot.pipeline import Assistant, build_components
from bot.storage.sessions import SqlSessionStore


def test_card_question_is_answered_with_its_source(tiny_assistant: Assistant) -> None:
    reply = tiny_assistant.handle("my card still hasn't arrived", "s1")
    assert reply.action == "answer_intent"
    assert reply.intent is not None and reply.intent.name == "card_arrival"
    assert reply.text == "Cards arrive within 5 working days; track yours under Cards > Delivery."
    assert reply.response_id == "faq:card-arrival"
    assert [s.faq_id for s in reply.sources] == ["card-arrival"]
    assert reply.session_id == "s1"
    assert reply.latency_ms > 0


def test_greeting_buttons_and_pressing_one(tiny_assistant: Assistant) -> None:
    hello = tiny_assistant.handle("hello", "s2")
    assert hello.text == "Hello from Tiny Test Bank! How can I help?"
    assert [(b.title, b.payload) for b in hello.buttons] == [
        ("My card hasn't arrived", "/card_arrival"), ("Find my IBAN", "/faq:find-iban")
    ]
    pressed = tiny_assistant.handle("/faq:find-iban", "s2")
    assert pressed.action == "answer_faq"
    assert pressed.text == "Your IBAN is under Account > Details in the app."
    assert pressed.sources[0].faq_id == "find-iban"


def test_questions_outside_banking_stay_polite_refusals_and_restart_resets(
    tiny_assistant: Assistant
) -> None:
    """Off-topic questions keep their polite refusal however many come; from the second,
    the refusal carries the offer of a person as a button."""
    store = tiny_assistant.store
    first = tiny_assistant.handle("recipe for a lemon cake", "s3")
    assert first.action == "out_of_scope"
    assert first.out_of_scope is True
    assert first.text == "Sorry, I can only help with questions about Tiny Test Bank."
    assert first.buttons == []
    second = tiny_assistant.handle("recipe for a chocolate cake", "s3")
    assert second.action == "out_of_scope"
    assert second.text == first.text
    assert [b.payload for b in second.buttons] == ["/human_handoff"]
    assert store.load("s3").fallback_count == 2  # type: ignore[union-attr]
    restart = tiny_assistant.handle("/restart", "s3")
    assert restart.action == "restart"
    assert restart.text == "Starting over."
    assert store.load("s3").fallback_count == 0  # type: ignore[union-attr]
    handoff = tiny_assistant.handle("/human_handoff", "s3")
    assert handoff.action == "handoff"
    assert store.load("s3").handed_off is True  # type: ignore[union-attr]
    assert [t.action for t in store.turns("s3")] == [
        "out_of_scope", "out_of_scope", "restart", "handoff"
    ]


@pytest.mark.parametrize("bad", ["", "   ", "x" * 100_000, "hi\x00", b"\xff\xfe"])
def test_bad_input_changes_no_state(tiny_assistant: Assistant, bad: object) -> None:
    with pytest.raises(InvalidMessage):
        tiny_assistant.handle(bad, "s4")
    assert tiny_assistant.store.load("s4") is None
    with pytest.raises(InvalidSessionId):
        tiny_assistant.handle("hello", "bad id!")


def test_stored_turns_are_redacted(tiny_assistant: Assistant) -> None:
    tiny_assistant.handle("I lost my card 4111 1111 1111 1111, mail me at a.b@example.com", "s5")
    turn = tiny_assistant.store.turns("s5")[0]
    assert turn.user_text == "I lost my card [CARD ****1111], mail me at [EMAIL]"
    assert turn.intent == "lost_or_stolen_card"


def test_sql_store_keeps_every_turn_of_concurrent_messages(
    tmp_path, tiny_settings, tiny_kb, encoder
) -> None:
    store = SqlSessionStore(f"sqlite:///{tmp_path / 'teller.db'}")
    assistant = Assistant(build_components(tiny_settings, kb=tiny_kb, encoder=encoder, store=store),
                          tiny_settings)
    messages = [f"my card has not arrived {i}" for i in range(12)]
    threads = [threading.Thread(target=assistant.handle, args=(m, "shared")) for m in messages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    turns = SqlSessionStore(f"sqlite:///{tmp_path / 'teller.db'}").turns("shared")
    assert [t.seq for t in turns] == list(range(1, 13))
    assert sorted(t.user_text for t in turns) == sorted(messages)
    assert store.load("shared").turn_count == 12  # type: ignore[union-attr]
    assert store.delete("shared") is True
    assert store.turns("shared") == [] and store.load("shared") is None
