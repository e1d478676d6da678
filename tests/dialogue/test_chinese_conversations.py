"""The default assistant in Chinese, end to end: the Chinese intent model, the Chinese texts
of the default KB, Chinese answers to the forms' questions, the tools' results in Chinese."""

from __future__ import annotations

from bot.nlu.chinese import has_han
from bot.pipeline import Assistant
from tests.dialogue.talk import talk


def test_a_loan_check_in_chinese_reaches_its_decision(default_assistant: Assistant) -> None:
    replies = talk(default_assistant, [
        "我想申请一笔个人贷款", "五千欧元", "分两年还", "买辆二手车", "四十一岁",
        "在现在的公司干了十年了", "房子是自己的", "存款大概三千块"])
    start, *answers, decision = replies
    assert start.form == "loan_application" and start.action == "form_ask"
    assert "€1,000" in start.text and has_han(start.text)
    assert all(r.action == "form_ask" for r in answers), [r.text for r in answers]
    assert decision.action == "tool_result", decision.text
    application = decision.data["application"]
    assert application["amount_eur"] == 5000 and application["duration_months"] == 24
    assert application["purpose"] == "used_car" and application["age"] == 41
    assert application["housing"] == "own" and application["savings"] == "1000_or_more"
    band = decision.data["assessment"]["band"]
    headline = {"approve": "好消息", "refer": "工作人员", "decline": "可能无法"}[band]
    assert decision.text.startswith(headline)
    assert decision.text.endswith("这只是参考结果，不是正式的信贷决定，也不是贷款要约。")


def test_a_portfolio_in_chinese(default_assistant: Assistant) -> None:
    replies = talk(default_assistant, [
        "帮我推荐一个适合我的投资组合", "我三十五岁", "打算放二十年", "主要是为了退休以后用",
        "拿着不动，等它涨回来", "工作很稳定，收入固定"])
    start, *answers, result = replies
    assert start.form == "portfolio_advice" and has_han(start.text)
    assert all(r.action == "form_ask" for r in answers), [r.text for r in answers]
    assert result.action == "tool_result", result.text
    assert result.text.startswith("根据您的回答，您的风险评分为")


def test_a_chinese_answer_out_of_range_is_explained_in_chinese(
        default_assistant: Assistant) -> None:
    replies = talk(default_assistant, ["我想贷款", "一百万"])
    assert replies[-1].text.startswith("€1,000,000不行哦：需要在€1,000到€50,000之间。")


def test_english_and_chinese_in_one_session(default_assistant: Assistant) -> None:
    english, chinese, short = talk(default_assistant,
                                    ["my card still hasn't arrived", "卡丢了怎么办", "ok"])
    assert english.intent is not None and english.intent.name == "card_arrival"
    assert not has_han(english.text)
    assert chinese.intent is not None and chinese.intent.name == "lost_or_stolen_card"
    assert has_han(chinese.text) and has_han(short.text)
