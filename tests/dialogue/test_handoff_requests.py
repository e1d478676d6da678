"""A customer who asks for a person in so many words gets the handoff even when the model
is unsure of their wording, as long as it ranks the handoff first; a banking question the
model wrongly ranks as a handoff does not. The model's guess is given directly."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.dialogue.person_requests import WANTS_A_PERSON
from tests.dialogue.test_form_answers import Chat


@pytest.fixture
def chat(tmp_path, default_kb, encoder) -> Chat:
    return Chat(Settings(data_dir=tmp_path, device="cpu"), default_kb, encoder)


@pytest.mark.parametrize("text", [
    "I prefer to speak with a worker of the bank, not with machine",
    "please, one person from the bank can write me? the automatic answers I don't understand",
    "I'd feel better explaining this to an actual person at the bank",
    "can somebody call me back about this",
    "a human please, not a bot",
    "I want to speak to a manager right now",
    "ths chatbot is uselss, i wnat a actual humen bean pls",  # an actual human, misspelt
    "a few things on my account don't add up. Can you put me through to staff?",
    "could you connect me with someone on your team",
])
def test_asking_for_a_person_in_so_many_words_is_a_handoff(chat: Chat, text: str) -> None:
    reply = chat.say(text, "human_handoff", 0.47)
    assert reply.action == "handoff", (text, reply.action, reply.text)


def test_asking_for_a_manager_is_a_handoff_even_when_flagged_off_topic(chat: Chat) -> None:
    reply = chat.say("I want to speak to a manager right now", "human_handoff", 0.84,
                     out_of_scope=True)
    assert reply.action == "handoff", (reply.action, reply.text)


@pytest.mark.parametrize("text", [
    "how do I transfer money to someone",
    "my card is not working with the machine",
    "I want to send money to a person abroad",
])
def test_a_banking_question_ranked_as_a_handoff_by_mistake_is_not_one(chat: Chat,
                                                                       text: str) -> None:
    assert not WANTS_A_PERSON.search(text)
    reply = chat.say(text, "human_handoff", 0.47)
    assert reply.action != "handoff", (text, reply.action, reply.text)


def test_wanting_a_person_needs_the_model_to_rank_the_handoff_first(chat: Chat) -> None:
    reply = chat.say("I prefer to speak with a worker of the bank, not with machine",
                     "card_arrival", 0.47)
    assert reply.action != "handoff"
