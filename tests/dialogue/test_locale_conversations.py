"""One assistant, two languages: a Chinese message is read by the Chinese model and answered
from the Chinese texts of the same KB; English stays as it was; short messages keep the
session's language; an answer the locale lacks is given in English and says so."""

from __future__ import annotations

import pytest

from bot.kb import load_knowledge_base
from bot.nlu.chinese import has_han
from bot.pipeline import Assistant


@pytest.fixture
def bilingual(zh_settings, encoder) -> Assistant:
    assistant = Assistant.from_settings(zh_settings, in_memory=True,
                                        kb=load_knowledge_base(zh_settings.kb_dir),
                                        encoder=encoder)
    assistant.warm_up()
    return assistant


def test_a_chinese_message_is_answered_in_chinese(bilingual: Assistant) -> None:
    assert bilingual.languages == ["en", "zh"]
    reply = bilingual.handle("我的银行卡昨天被偷了")
    assert reply.intent is not None and reply.intent.name == "lost_or_stolen_card"
    assert reply.text == "请在「卡片 > 冻结」里冻结卡片，并致电我们注销。"

    greeting = bilingual.handle("您好")
    assert greeting.text == "您好，这里是 Tiny Test Bank！有什么可以帮您？"
    assert [b.title for b in greeting.buttons] == ["卡还没收到", "查看我的 IBAN"]
    assert [b.payload for b in greeting.buttons] == ["/card_arrival", "/faq:find-iban"]


def test_english_is_read_as_before(bilingual: Assistant) -> None:
    reply = bilingual.handle("someone stole my card")
    assert reply.text == "Freeze the card under Cards > Freeze and call us to cancel it."


def test_short_messages_keep_the_session_language(bilingual: Assistant) -> None:
    first = bilingual.handle("卡一直没寄到")
    assert first.text.startswith("卡片会在 5 个工作日内寄到")
    session = first.session_id
    # a button press and a bare "ok" stay in Chinese; a sentence in English switches
    assert bilingual.handle("/restart", session).text == "好的，我们重新开始。"
    assert has_han(bilingual.handle("ok", session).text)
    assert bilingual.handle("my card never arrived", session).text.startswith(
        "Cards arrive within 5 working days")


def test_the_channel_locale_wins(bilingual: Assistant) -> None:
    reply = bilingual.handle("hello", locale="zh-CN")
    assert reply.text == "您好，这里是 Tiny Test Bank！有什么可以帮您？"


def test_an_answer_without_chinese_text_is_given_in_english_and_says_so(
        bilingual: Assistant) -> None:
    reply = bilingual.handle("我的IBAN在哪里可以找到？")
    assert reply.response_id == "faq:find-iban"
    assert reply.text == ("这个问题目前只有英文答案：\n\n"
                          "Your IBAN is under Account > Details in the app.")


def test_an_unrelated_chinese_message_is_declined_in_chinese(bilingual: Assistant) -> None:
    reply = bilingual.handle("这周末杭州会下雨吗")
    assert reply.action == "out_of_scope"
    assert reply.text == "抱歉，我只能回答和 Tiny Test Bank 有关的问题。"
